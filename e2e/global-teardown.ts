import { existsSync, readFileSync, rmSync } from "node:fs";
import pg from "pg";

// Playwright stops the web server abruptly, so its own clean-up may not run: drop the run's
// database and data folder here (scripts/e2e-server.ts also sweeps abandoned ones at start).
export default async function globalTeardown() {
  const file = "test-results/e2e-env.json";
  if (!existsSync(file)) return;
  const env = JSON.parse(readFileSync(file, "utf8")) as { databaseUrl: string; dataDir: string };
  const url = new URL(env.databaseUrl);
  const name = url.pathname.slice(1);
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? url.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, "")}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
  rmSync(env.dataDir, { recursive: true, force: true });
}
