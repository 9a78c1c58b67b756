// Starts the two-host setup of e2e/multihost.spec.ts (decision 023) in a process of its own, since the
// spec's Playwright process cannot load Loupe's server-only modules: a fresh database, s3rver with Loupe's
// bucket and a `datasets` bucket holding the scenes to import in place, web A and web B (each its own
// LOUPE_DATA_DIR, LOUPE_JOBS=off) and one worker. Prints one line `READY <json>` for the spec, then runs
// until SIGTERM, SIGINT or its standard input closes, and removes everything it made.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import bcrypt from "bcryptjs";
import pg from "pg";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";
import { storageAt } from "../lib/storage/config";
import { Cluster } from "../test/support/cluster";
import { startS3, type TS3Server } from "../test/support/s3";
import { generateDemoPairs } from "./demo/generate";
import { renderScene } from "./demo/render";

export const TWO_HOSTS_PASSWORD = "two-hosts-password-1";
const PAIRS = Number(process.env.TWO_HOSTS_PAIRS ?? 3);

async function main(): Promise<void> {
  const base = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  // The e2e server's naming (loupe_e2e_<base36 time>), so its sweep drops a database a killed run left.
  const dbName = `loupe_e2e_${Date.now().toString(36)}_hosts`;
  const root = mkdtempSync(path.join(tmpdir(), "loupe-hosts-"));
  let s3: TS3Server | null = null;
  let cluster: Cluster | null = null;
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await cluster?.stop();
      await s3?.close();
      rmSync(root, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: base });
      await c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)).catch(() => {});
      await c.end().catch(() => {});
    })());
  const quit = () => void cleanup().finally(() => process.exit(0));
  process.once("SIGTERM", quit);
  process.once("SIGINT", quit);
  process.stdin.on("end", quit);
  process.stdin.resume();

  try {
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${dbName}`;
    const db = await openDatabase({ kind: "server", url: url.toString(), poolSize: 2 });
    await db.dedicated((r) => migrate(r));
    const hash = bcrypt.hashSync(TWO_HOSTS_PASSWORD, 4);
    await db.query(
      `INSERT INTO users (email, name, password_hash, role)
       VALUES ('admin@hosts.local', 'Admin A', $1, 'admin'), ('annotator@hosts.local', 'Annotator B', $1, 'annotator')`,
      [hash],
    );
    const [project] = await db.query<{ id: number }>(
      `INSERT INTO projects (name, overlap, reject_reasons) VALUES ('Two hosts', 1, $1::jsonb) RETURNING id`,
      [JSON.stringify(DEFAULT_REJECT_REASONS)],
    );
    await db.close();

    s3 = await startS3(["loupe", "datasets"]);
    const datasets = storageAt("s3://datasets", s3.client);
    const originals: string[] = [];
    for (const [i, spec] of generateDemoPairs(PAIRS, 23).entries()) {
      const [s, e] = await Promise.all([renderScene(spec.source), renderScene(spec.edited)]);
      await datasets.put(`scenes/${i}/source.webp`, s);
      await datasets.put(`scenes/${i}/edited.webp`, e);
      originals.push(createHash("sha256").update(s).digest("hex"), createHash("sha256").update(e).digest("hex"));
    }

    cluster = new Cluster({
      databaseUrl: url.toString(),
      storageEnv: { ...s3.env, LOUPE_STORAGE_URL: "s3://loupe/store" },
      extraEnv: { LOUPE_S3_INPLACE_BUCKETS: "datasets" },
    });
    const [webA, webB] = await Promise.all([cluster.startWeb("web-a", path.join(root, "a")), cluster.startWeb("web-b", path.join(root, "b"))]);
    cluster.startWorker("worker", path.join(root, "w"));
    const ready = {
      a: webA.base,
      b: webB.base,
      projectId: project!.id,
      pairs: PAIRS,
      originals,
      s3: s3.client,
      password: TWO_HOSTS_PASSWORD,
    };
    console.log(`READY ${JSON.stringify(ready)}`);
  } catch (err) {
    console.error(`two-hosts: ${err instanceof Error ? err.stack : err}`);
    await cleanup();
    process.exit(1);
  }
}

void main();
