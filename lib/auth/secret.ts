import "server-only";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "../env";

/** NEXTAUTH_SECRET, else a random one kept in the data folder; hosts sharing one PostgreSQL must set the same. */
let cached: string | undefined;

export function getAuthSecret(): string {
  cached ??= loadSecret();
  return cached;
}

function loadSecret(): string {
  const env = getEnv();
  if (env.NEXTAUTH_SECRET) return env.NEXTAUTH_SECRET;
  const file = path.resolve(env.LOUPE_DATA_DIR, "auth-secret");
  try {
    const s = readFileSync(file, "utf8").trim();
    if (s.length >= 32) return s;
  } catch {
    // first start: create it below
  }
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, secret, { mode: 0o600, flag: "w" });
  return secret;
}
