import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServerDatabase, engines } from "@/test/support/db";
import { writeImagePairs } from "@/test/support/import-fixtures";
import { openDatabase, type Db } from "@/lib/db/connect";
import { migrate } from "@/lib/db/migrate";
import { stopBoss } from "@/lib/db/boss";
import { resetEnvCache } from "@/lib/env";
import { createImport } from "@/lib/imports/service";
import { DEFAULT_REJECT_REASONS } from "@/lib/projects/reasons";
import type { TImportRequest } from "@/lib/imports/schemas";
import { register } from "@/instrumentation";

// Process roles: `npm run loupe -- worker` runs the jobs a LOUPE_JOBS=off web process leaves queued, and a
// SIGTERM mid-import ends the batch in hand, saves it, queues the rest and exits; the next worker resumes.
// The worker is paced by a row lock the test holds, never by a timer: it is provably inside the job (waiting
// on the lock) when the signal arrives, and the batch after it is the one it must finish.

const ROWS = 30;
const BATCH = 10;
// tsx as a loader in the worker's own process: the tsx command runs the script in a child and, when that
// child's event loop is busy for more than a few tens of milliseconds as a signal arrives, SIGKILLs it,
// which would make this test about tsx's relay rather than the worker's shutdown.
const TSX = ["--conditions=react-server", "--import", "tsx", "scripts/cli.ts"];

function startWorker(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...TSX, "worker"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr!.on("data", (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(engines())("worker process ($engine)", ({ engine }) => {
  if (engine === "pglite") {
    it("is refused on the embedded database, which belongs to one process", () => {
      const r = spawnSync(process.execPath, [...TSX, "worker"], {
        env: { ...process.env, DATABASE_URL: "", LOUPE_DATA_DIR: "/nonexistent/loupe" },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(r.status).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toMatch(/^Error: The worker needs DATABASE_URL \(a PostgreSQL server\)/m);
    });
    return;
  }

  let server: Awaited<ReturnType<typeof createServerDatabase>>;
  let db: Db;
  let root: string;
  let env: Record<string, string>;
  const saved = { ...process.env };

  beforeAll(async () => {
    server = await createServerDatabase("loupe_worker");
    db = await openDatabase({ kind: "server", url: server.url, poolSize: 4 });
    await db.dedicated((r) => migrate(r));
    root = await mkdtemp(path.join(tmpdir(), "loupe-worker-"));
    env = { DATABASE_URL: server.url, LOUPE_DATA_DIR: path.join(root, ".data"), LOUPE_IMPORT_BATCH_ROWS: String(BATCH) };
  });

  afterAll(async () => {
    process.env = saved;
    resetEnvCache();
    await stopBoss(db);
    await db?.close();
    await server?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it("leaves jobs queued in a LOUPE_JOBS=off web process; a worker runs them, finishes its batch on SIGTERM, and the next resumes", async () => {
    const images = await writeImagePairs(root, 6);
    const lines = Array.from({ length: ROWS }, (_, i) =>
      JSON.stringify({ id: `w${i}`, instruction: `edit number ${i}`, ...images[i % images.length]! }),
    );
    const file = path.join(root, "pairs.jsonl");
    await writeFile(file, lines.join("\n") + "\n");
    const project = await db.prisma.project.create({ data: { name: "worker test", overlap: 1, rejectReasons: DEFAULT_REJECT_REASONS } });
    const mapping = { externalId: "id", instruction: "instruction", source: "source", edited: "edited" };
    const imp = await createImport(db, null, project.id, { source: { kind: "path", path: file }, preset: null, mapping } as TImportRequest, {
      importRoot: null,
      cliPath: file,
      imageRoot: root,
    });
    const state = async () => {
      const [r] = await db.query<{ status: string; rows_done: number; pairs: number }>(
        `SELECT status::text, rows_done::int, (SELECT count(*)::int FROM pairs WHERE project_id = $2) AS pairs FROM imports WHERE id = $1`,
        [imp.id, project.id],
      );
      return r!;
    };
    const jobs = () => db.query<{ state: string }>(`SELECT state::text FROM pgboss.job WHERE name = 'loupe-imports' ORDER BY created_on`);

    // A web process with LOUPE_JOBS=off: its start-up hook starts no worker, so the job stays queued.
    Object.assign(process.env, env, { LOUPE_JOBS: "off", NEXT_RUNTIME: "nodejs" });
    resetEnvCache();
    await register();
    expect((globalThis as { __loupeJobsStarted?: boolean }).__loupeJobsStarted).toBeUndefined();
    await new Promise((r) => setTimeout(r, 2500)); // over two polling intervals of a worker, had one started
    expect(await jobs()).toEqual([{ state: "created" }]);
    expect(await state()).toMatchObject({ status: "queued", rows_done: 0, pairs: 0 });

    // Hold the import's row: the worker takes the job and waits on the lock in its first statement.
    const holder = new pg.Client({ connectionString: server.url });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT id FROM imports WHERE id = $1 FOR UPDATE", [imp.id]);
    const first = startWorker(env);
    await until("the worker to wait on the import's row", async () => {
      const [w] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return w!.n > 0;
    });
    first.child.kill("SIGTERM");
    await until("the worker to take the signal", async () => first.output().includes("SIGTERM: finishing the jobs in hand"));
    await holder.query("COMMIT");
    await holder.end();
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/worker stopped/);
    // It finished the batch in hand — saved, checkpointed — and no more, and queued the rest for the next worker.
    expect(await state()).toMatchObject({ status: "running", rows_done: BATCH, pairs: BATCH });
    expect((await jobs()).map((j) => j.state)).toEqual(["completed", "created"]);

    const second = startWorker(env);
    await until("the import to finish", async () => (await state()).status === "done");
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(await state()).toMatchObject({ status: "done", rows_done: ROWS, pairs: ROWS });
    const ids = await db.query<{ external_id: string }>(`SELECT external_id FROM pairs WHERE project_id = $1 ORDER BY id`, [project.id]);
    expect(ids.map((r) => r.external_id)).toEqual(lines.map((_, i) => `w${i}`));
    const [extra] = await db.query<{ errors: number; duplicates: number }>(
      `SELECT (SELECT count(*)::int FROM import_errors WHERE import_id = $1) AS errors,
              (SELECT count(*)::int FROM import_duplicates WHERE import_id = $1) AS duplicates`,
      [imp.id],
    );
    expect(extra).toEqual({ errors: 0, duplicates: 0 });

    // A second signal does not wait: the worker exits at once, with the batch in hand uncommitted.
    const next = await createImport(db, null, project.id, { source: { kind: "path", path: file }, preset: null, mapping } as TImportRequest, {
      importRoot: null,
      cliPath: file,
      imageRoot: root,
    });
    const blocker = new pg.Client({ connectionString: server.url });
    await blocker.connect();
    await blocker.query("BEGIN");
    await blocker.query("SELECT id FROM imports WHERE id = $1 FOR UPDATE", [next.id]);
    const third = startWorker(env);
    await until("the worker to wait on the import's row", async () => {
      const [w] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return w!.n > 0;
    });
    third.child.kill("SIGTERM");
    await until("the worker to take the signal", async () => third.output().includes("SIGTERM: finishing the jobs in hand"));
    third.child.kill("SIGTERM");
    expect(await third.exited).toBe(1);
    expect(third.output()).toMatch(/SIGTERM again: exiting now/);
    await blocker.query("COMMIT");
    await blocker.end();
    const [left] = await db.query<{ rows_done: number }>(`SELECT rows_done::int FROM imports WHERE id = $1`, [next.id]);
    expect(left!.rows_done).toBe(0);
  });
});
