// Starts Loupe for the browser tests: a fresh database on the server, a fresh data folder with fixture
// images, then `next start`. Specs reach the database through e2e/fixtures.ts via test-results/e2e-env.json.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { putImage } from "../lib/images/store";
import { generateDemoPairs } from "./demo/generate";
import { renderScene } from "./demo/render";

async function main() {
  const { values } = parseArgs({ options: { port: { type: "string", default: "3210" } } });
  const base = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  if (!existsSync(".next/BUILD_ID")) {
    throw new Error("No production build: run `npm run build` first (npm test does).");
  }
  const name = `loupe_e2e_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(`Browser tests need a PostgreSQL server (TEST_DATABASE_URL, default ${base}): ${(err as Error).message}`);
  }
  // Runs killed before their teardown leave databases behind: drop those over two hours old (the
  // name carries its creation time) that nobody is connected to. A run in progress is never touched.
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database d WHERE datname LIKE 'loupe\\_e2e\\_%'
       AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)`,
  );
  const twoHoursAgo = Date.now() - 2 * 3600_000;
  for (const { datname } of stale.rows) {
    const created = parseInt(datname.slice("loupe_e2e_".length), 36);
    if (Number.isFinite(created) && created < twoHoursAgo) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`);
  }
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), "loupe-e2e-"));

  const db = await openDatabase({ kind: "server", url: url.toString(), poolSize: 4 });
  await db.dedicated((r) => migrate(r));
  const images: { source: string; edited: string; instruction: string; task: string; subtask: string }[] = [];
  // The same pictures as files under the import root, for specs that import a manifest of paths.
  const importRoot = path.join(dataDir, "import-root");
  mkdirSync(path.join(importRoot, "images"), { recursive: true });
  const imageFiles: { source: string; edited: string; instruction: string }[] = [];
  for (const spec of generateDemoPairs(12, 7)) {
    const [s, e] = await Promise.all([renderScene(spec.source), renderScene(spec.edited)]);
    const n = imageFiles.length;
    writeFileSync(path.join(importRoot, "images", `src-${n}.webp`), s);
    writeFileSync(path.join(importRoot, "images", `edit-${n}.webp`), e);
    imageFiles.push({ source: `images/src-${n}.webp`, edited: `images/edit-${n}.webp`, instruction: spec.instruction });
    const source = await putImage(db, dataDir, s);
    const edited = await putImage(db, dataDir, e);
    images.push({ source: source.sha256, edited: edited.sha256, instruction: spec.instruction, task: spec.task, subtask: spec.subtask });
  }
  await db.close();

  mkdirSync("test-results", { recursive: true });
  writeFileSync("test-results/e2e-env.json", JSON.stringify({ databaseUrl: url.toString(), dataDir, images, importRoot, imageFiles }, null, 2));

  const env = {
    ...process.env,
    DATABASE_URL: url.toString(),
    LOUPE_DATA_DIR: dataDir,
    LOUPE_IMPORT_ROOT: importRoot,
    // A cap the specs can cross cheaply (no cap is the default).
    LOUPE_UPLOAD_MAX_BYTES: String(20 * 1024 * 1024),
    // Webhook specs post to receivers they start on this machine.
    LOUPE_WEBHOOK_ALLOW: "127.0.0.1,localhost,::1",
    NEXTAUTH_SECRET: "e2e-secret-not-for-production-0123456789",
    NEXTAUTH_URL: `http://localhost:${values.port}`,
    NEXT_TELEMETRY_DISABLED: "1",
    NODE_ENV: "production" as const,
    PORT: values.port!,
  };
  // The same web process `npm start` runs (scripts/web-server.mjs), so the suite covers it.
  const child = spawn(process.execPath, ["scripts/web-server.mjs"], { stdio: "inherit", env });
  const cleanup = async () => {
    child.kill("SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
    const c = new pg.Client({ connectionString: base });
    await c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => {});
    await c.end().catch(() => {});
    process.exit(0);
  };
  process.on("SIGTERM", cleanup);
  process.on("SIGINT", cleanup);
  child.on("exit", (code) => process.exit(code ?? 0));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
