// Generates the Prisma client when it is missing or older than the schema, so CLI commands work
// right after `npm install` without a separate step (npm here does not run install scripts).
import { existsSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";

const out = "lib/db/generated/client.ts";
const schema = "prisma/schema.prisma";
if (!existsSync(out) || statSync(out).mtimeMs < statSync(schema).mtimeMs) {
  const r = spawnSync(process.execPath, ["scripts/prisma-generate.mjs"], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
