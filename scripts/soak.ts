// npm run soak [-- --short] — two web hosts and a worker on one PostgreSQL and one bucket, simulated
// annotators over HTTP while an import and an export run, and faults mid-run (decision 023):
//   a PostgreSQL restart, kill -9 of a web process (restarted), kill -9 of the worker inside the import and
//   again inside the export (restarted), the bucket unreachable for 10 s.
// Then it checks what must hold whatever happened, prints each invariant, and exits 1 on any violation.
// Its PostgreSQL is a private instance (initdb in a temporary folder, another port): restarting it
// disturbs nobody else's tests. Needs `npm run build` first; --short (or SOAK_SHORT=1) is the CI size.
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import pg from "pg";
import { openDatabase, type Db } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { putImage } from "../lib/images/store";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";
import { storageAt } from "../lib/storage/config";
import { imageKey } from "../lib/storage/keys";
import { Cluster, freePort, sessionCookieFor, type TProc, type TWeb } from "../test/support/cluster";
import { startS3, type TS3Server } from "../test/support/s3";
import { generateDemoPairs } from "./demo/generate";
import { renderScene } from "./demo/render";

const { values: args } = parseArgs({ options: { short: { type: "boolean", default: false }, verbose: { type: "boolean", default: false } } });
const SHORT = args.short || process.env.SOAK_SHORT === "1";
const SIZE = SHORT
  ? { annotators: 24, pairs: 120, overlap: 2, importRows: 60, batchRows: 10, think: [40, 160], maxSeconds: 150 }
  : { annotators: 64, pairs: 1200, overlap: 3, importRows: 600, batchRows: 20, think: [20, 200], maxSeconds: 900 };
/** A killed worker's job is re-queued by the next worker's start-up sweep once it has been quiet this long (lib/imports/job.ts). */
const SWEEP_QUIET_MS = 11_000;
const BUCKET = "loupe";
const DATASETS = "datasets";
const log = (line: string) => console.log(`[soak ${((Date.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${line}`);
const T0 = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (a: number, b: number) => a + Math.random() * (b - a);

// ---- a private PostgreSQL

interface TPostgres {
  url: string;
  restart(): void;
  stop(): void;
}

function postgresBin(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, "bin", "initdb"))) : [];
  if (versions.length === 0) throw new Error("The soak starts its own PostgreSQL and needs its programs under /usr/lib/postgresql/<version>/bin.");
  versions.sort((a, b) => Number(b) - Number(a));
  return path.join(root, versions[0]!, "bin");
}

async function startPostgres(dir: string): Promise<TPostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const data = path.join(dir, "data");
  // initdb and postgres refuse to run as root: as root, run them as the postgres account, which owns the folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, a: string[]) =>
    asRoot ? execFileSync("runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...a], { stdio: "pipe" }) : execFileSync(path.join(bin, cmd), a, { stdio: "pipe" });
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const ctl = (a: string[]) => run("pg_ctl", ["-D", data, "-o", opts, "-l", path.join(dir, "log"), "-w", ...a]);
  ctl(["start"]);
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/loupe`,
    restart: () => ctl(["restart", "-m", "fast"]),
    stop: () => {
      try {
        ctl(["stop", "-m", "immediate"]);
      } catch {
        // already down
      }
    },
  };
}

// ---- HTTP as a browser behind a load balancer: a failed attempt goes to the other host, same body

type THost = () => TWeb | null;

class Http {
  gaveUp = 0;
  constructor(private readonly hosts: THost[]) {}

  /** One request, retried on a network error or 5xx (on any live host) up to `attempts` times; null when it gave up. */
  async send(cookie: string, method: string, url: string, body?: unknown, attempts = 12, timeoutMs = 20_000): Promise<{ status: number; json: unknown } | null> {
    for (let i = 0; i < attempts; i++) {
      const live = this.hosts.map((h) => h()).filter((h): h is TWeb => h !== null);
      const host = live[Math.floor(Math.random() * live.length)];
      if (host) {
        try {
          const res = await fetch(`${host.base}${url}`, {
            method,
            headers: { Cookie: cookie, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
            body: body === undefined ? undefined : JSON.stringify(body),
            signal: AbortSignal.timeout(timeoutMs),
          });
          // A body cut short (the host died while answering) is a failed attempt, as a browser sees it.
          const json = (await res.json()) as unknown;
          if (res.status < 500) return { status: res.status, json };
        } catch {
          // connection refused or reset, or the answer cut: the host died under the request
        }
      }
      await sleep(Math.min(4000, 150 * 2 ** i));
    }
    this.gaveUp++;
    return null;
  }
}

// ---- simulated annotators

interface TAck {
  submissionId: string;
  pairId: string;
  userId: number;
  decision: string;
}

interface TLedger {
  /** Decisions the server acknowledged and no acknowledged undo took back. */
  acked: Map<string, TAck>;
  /** Submission ids sent whose fate the client cannot know (never acknowledged, or taken back by an undo whose answer was lost). */
  unknown: Set<string>;
  counts: { submits: number; replays: number; skips: number; undos: number; abandoned: number; conflicts: number; unexpected: string[] };
}

async function annotator(http: Http, userId: number, projectId: number, ledger: TLedger, stop: () => boolean): Promise<void> {
  try {
    await annotate(http, userId, projectId, ledger, stop);
  } catch (err) {
    ledger.counts.unexpected.push(`annotator ${userId}: ${(err as Error).message}`);
  }
}

async function annotate(http: Http, userId: number, projectId: number, ledger: TLedger, stop: () => boolean): Promise<void> {
  const cookie = await sessionCookieFor(userId);
  const reason = DEFAULT_REJECT_REASONS[0]!.code;
  const mine: TAck[] = [];
  let idle = 0;
  while (!stop()) {
    await sleep(rand(SIZE.think[0]!, SIZE.think[1]!));
    const claim = await http.send(cookie, "POST", `/api/projects/${projectId}/next`, {});
    if (!claim) continue;
    if (claim.status !== 200) {
      ledger.counts.unexpected.push(`next ${claim.status} ${JSON.stringify(claim.json)}`);
      continue;
    }
    const pair = (claim.json as { pair: { id: string } | null }).pair;
    if (!pair) {
      // Nothing free for this person now: leases of others may still expire, the import may add more.
      if (++idle > 40) return;
      await sleep(500);
      continue;
    }
    idle = 0;
    const roll = Math.random();
    if (roll < 0.01) {
      // Closes the tab: the lease expires and the pair goes to someone else.
      ledger.counts.abandoned++;
      return;
    }
    if (roll < 0.08) {
      const r = await http.send(cookie, "POST", `/api/pairs/${pair.id}/skip`, {});
      if (r) {
        if (r.status === 200) ledger.counts.skips++;
        else if (r.status === 409) ledger.counts.conflicts++;
        else ledger.counts.unexpected.push(`skip ${r.status} ${JSON.stringify(r.json)}`);
      }
      continue;
    }
    const decision = roll < 0.6 ? "accept" : roll < 0.9 ? "reject" : "recaption";
    const submissionId = randomUUID();
    const body = {
      pairId: pair.id,
      submissionId,
      decision,
      reasons: decision === "reject" ? [reason] : [],
      ...(decision === "recaption" ? { recaption: `a better instruction ${submissionId.slice(0, 8)}` } : {}),
      secondsSpent: rand(1, 20),
    };
    ledger.unknown.add(submissionId);
    ledger.counts.submits++;
    const r = await http.send(cookie, "POST", "/api/labels", body);
    if (!r) continue;
    if (r.status === 409) {
      ledger.counts.conflicts++;
      continue;
    }
    if (r.status !== 200) {
      ledger.counts.unexpected.push(`labels ${r.status} ${JSON.stringify(r.json)}`);
      continue;
    }
    // A browser whose answer was lost sends the same submission again: it must get the same label back.
    if (Math.random() < 0.1) {
      const again = await http.send(cookie, "POST", "/api/labels", body);
      if (again?.status === 200) {
        ledger.counts.replays++;
        if (!(again.json as { replayed?: boolean } | null)?.replayed) ledger.counts.unexpected.push(`replay of ${submissionId} not answered as a replay`);
      } else if (again) ledger.counts.unexpected.push(`replay ${again.status} ${JSON.stringify(again.json)}`);
    }
    const ack = { submissionId, pairId: pair.id, userId, decision };
    ledger.unknown.delete(submissionId);
    ledger.acked.set(submissionId, ack);
    mine.push(ack);
    if (Math.random() < 0.08) {
      const last = mine.at(-1)!;
      // Not idempotent: sent once, and when its answer is lost the decision's fate is unknown.
      const u = await http.send(cookie, "POST", `/api/projects/${projectId}/undo`, {}, 1);
      if (!u || u.status >= 500) {
        ledger.acked.delete(last.submissionId);
        ledger.unknown.add(last.submissionId);
      } else if (u.status === 200) {
        ledger.counts.undos++;
        const undone = (u.json as { pairId: string }).pairId;
        if (undone !== last.pairId) ledger.counts.unexpected.push(`undo took back pair ${undone}, the last decision was on ${last.pairId}`);
        ledger.acked.delete(last.submissionId);
        mine.pop();
      } else if (u.status === 409) ledger.counts.conflicts++;
      else ledger.counts.unexpected.push(`undo ${u.status} ${JSON.stringify(u.json)}`);
    }
  }
}

// ---- the run

async function lockClient(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** A fault that could not be placed where it belongs: the run proves nothing, so it fails. */
class FaultMissed extends Error {}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch((err: unknown) => {
      if (err instanceof FaultMissed) throw err;
      return null;
    });
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<number> {
  if (!existsSync(".next/BUILD_ID")) throw new Error("No production build: run `npm run build` first (npm test does).");
  const root = mkdtempSync(path.join(tmpdir(), "loupe-soak-"));
  const pgDir = mkdtempSync(path.join(tmpdir(), "loupe-soak-pg-"));
  const s3Dir = path.join(root, "s3");
  const s3Port = await freePort();
  let s3: TS3Server | null = null;
  let pgsql: TPostgres | null = null;
  let cluster: Cluster | null = null;
  let db: Db | null = null;
  const cleanup = async () => {
    await cluster?.stop();
    await db?.close().catch(() => {});
    await s3?.close().catch(() => {});
    pgsql?.stop();
    rmSync(root, { recursive: true, force: true });
    rmSync(pgDir, { recursive: true, force: true });
  };
  // Interrupted: the private PostgreSQL and the processes must not outlive the run.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  }
  try {
    pgsql = await startPostgres(pgDir);
    execFileSync("psql", ["-q", "-d", pgsql.url.replace(/\/loupe$/, "/postgres"), "-c", "CREATE DATABASE loupe"]);
    s3 = await startS3([BUCKET, DATASETS], { port: s3Port, directory: s3Dir });
    const storageUrl = `s3://${BUCKET}/store`;
    db = await openDatabase({ kind: "server", url: pgsql.url, poolSize: 4 });
    await db.dedicated((r) => migrate(r));
    log(`PostgreSQL ${pgsql.url}, s3rver ${s3.endpoint}; ${SHORT ? "short" : "full"} run: ${SIZE.annotators} annotators, ${SIZE.pairs} pairs × ${SIZE.overlap}, import of ${SIZE.importRows} rows`);

    // Seed: images in the bucket, a project of pairs, annotators and an admin.
    const store = storageAt(storageUrl, s3.client);
    const datasets = storageAt(`s3://${DATASETS}`, s3.client);
    const shas: { source: string; edited: string }[] = [];
    const inPlace: { source: string; edited: string; sourceSha: string; editedSha: string }[] = [];
    const other = generateDemoPairs(6, 97);
    for (const [i, spec] of generateDemoPairs(6, 3).entries()) {
      const [s, e] = await Promise.all([renderScene(spec.source), renderScene(spec.edited)]);
      shas.push({ source: (await putImage(db, store, s)).sha256, edited: (await putImage(db, store, e)).sha256 });
      // The import's images (other scenes) stay in their own bucket, referenced in place.
      const [s2, e2] = await Promise.all([renderScene(other[i]!.source), renderScene(other[i]!.edited)]);
      await datasets.put(`scenes/src-${i}.webp`, s2);
      await datasets.put(`scenes/edit-${i}.webp`, e2);
      inPlace.push({
        source: `s3://${DATASETS}/scenes/src-${i}.webp`,
        edited: `s3://${DATASETS}/scenes/edit-${i}.webp`,
        sourceSha: createHash("sha256").update(s2).digest("hex"),
        editedSha: createHash("sha256").update(e2).digest("hex"),
      });
    }
    const hash = bcrypt.hashSync("soak-password-123", 4);
    const [admin] = await db.query<{ id: number }>(
      `INSERT INTO users (email, name, password_hash, role) VALUES ('admin@soak.local', 'Soak admin', $1, 'admin') RETURNING id`,
      [hash],
    );
    const annotators = await db.query<{ id: number }>(
      `INSERT INTO users (email, name, password_hash, role)
       SELECT 'a' || g || '@soak.local', 'Annotator ' || g, $1, 'annotator' FROM generate_series(1, $2::int) g RETURNING id`,
      [hash, SIZE.annotators],
    );
    const [project] = await db.query<{ id: number }>(
      `INSERT INTO projects (name, overlap, lease_seconds, reject_reasons) VALUES ('Soak', $1, 30, $2::jsonb) RETURNING id`,
      [SIZE.overlap, JSON.stringify(DEFAULT_REJECT_REASONS)],
    );
    await db.query(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, wanted)
       SELECT $1, 'seed-' || g, ($2::text[])[1 + g % 6], ($3::text[])[1 + g % 6], 'make edit number ' || g, $4
       FROM generate_series(0, $5::int - 1) g`,
      [project!.id, shas.map((s) => s.source), shas.map((s) => s.edited), SIZE.overlap, SIZE.pairs],
    );

    cluster = new Cluster({
      databaseUrl: pgsql.url,
      storageEnv: { ...s3.env, LOUPE_STORAGE_URL: storageUrl },
      extraEnv: { LOUPE_IMPORT_BATCH_ROWS: String(SIZE.batchRows), LOUPE_S3_INPLACE_BUCKETS: DATASETS },
      echo: args.verbose,
    });
    const hostDirs = { a: path.join(root, "host-a"), b: path.join(root, "host-b"), w: path.join(root, "host-w") };
    const [webA, webBFirst] = await Promise.all([cluster.startWeb("web-a", hostDirs.a), cluster.startWeb("web-b", hostDirs.b)]);
    let webB: TWeb | null = webBFirst;
    let worker: TProc = cluster.startWorker("worker", hostDirs.w);
    log(`web A ${webA.base}, web B ${webB.base}, worker ${worker.child.pid}`);

    const http = new Http([() => webA, () => webB]);
    const ledger: TLedger = { acked: new Map(), unknown: new Set(), counts: { submits: 0, replays: 0, skips: 0, undos: 0, abandoned: 0, conflicts: 0, unexpected: [] } };
    let stopping = false;
    const deadline = Date.now() + SIZE.maxSeconds * 1000;
    const people = annotators.map((a) => annotator(http, a.id, project!.id, ledger, () => stopping || Date.now() > deadline));
    const adminCookie = await sessionCookieFor(admin!.id);
    // Creating an import or an export is not idempotent: sent once, with time to answer on a busy machine.
    const ask = async (method: string, url: string, body?: unknown) => {
      const r = await http.send(adminCookie, method, url, body, 1, 120_000);
      if (!r || r.status !== 200) throw new Error(`${method} ${url}: ${r ? `${r.status} ${JSON.stringify(r.json)}` : "no answer"}`);
      return r.json as Record<string, unknown>;
    };

    // The import: a manifest uploaded through host A, images referenced in place in the datasets bucket.
    const manifest = Array.from({ length: SIZE.importRows }, (_, i) => {
      const img = inPlace[i % inPlace.length]!;
      return JSON.stringify({ id: `imp-${i}`, instruction: `imported edit ${i}`, source: img.source, edited: img.edited });
    }).join("\n");
    log("uploading the manifest through web A");
    const up = await fetch(`${webA.base}/api/uploads?name=soak.jsonl`, { method: "PUT", headers: { Cookie: adminCookie }, body: manifest });
    if (up.status !== 200) throw new Error(`upload: ${up.status} ${await up.text()}`);
    const { uploadId } = (await up.json()) as { uploadId: string };
    log(`upload ${uploadId} stored; creating the import through web A`);
    // Fault 1 is placed before the import exists: a pair with the id of a row in the import's second batch,
    // inserted and left uncommitted, holds the worker's insert of that batch on the unique key (project,
    // external id). The first batch goes in, the second waits, and the kill lands inside the import however
    // fast or slow the machine is.
    const held = `imp-${SIZE.batchRows + Math.floor(SIZE.batchRows / 2)}`;
    const lock = await lockClient(pgsql.url);
    await lock.query("BEGIN");
    // Without the row's triggers (this private server's superuser may): they would hold the project's counter
    // rows too, and stop the first batch as well.
    await lock.query("SET LOCAL session_replication_role = replica");
    await lock.query(
      `INSERT INTO pairs (project_id, external_id, instruction, source_image, edited_image)
       SELECT project_id, $2, instruction, source_image, edited_image FROM pairs WHERE project_id = $1 LIMIT 1`,
      [project!.id, held],
    );
    const imp = (await ask("POST", `/api/projects/${project!.id}/imports`, {
      source: { kind: "upload", uploadId },
      preset: null,
      mapping: { externalId: "id", instruction: "instruction", source: "source", edited: "edited" },
    })) as { import: { id: string } };
    const importId = imp.import.id;
    const importRow = async () =>
      (await db!.query<{ status: string; rows_done: number; message: string | null }>(
        `SELECT status::text, rows_done::int, message FROM imports WHERE id = $1`,
        [importId],
      ))[0]!;
    log(`import ${importId} queued (${SIZE.importRows} rows, batches of ${SIZE.batchRows})`);

    // Fault 1: kill -9 of the worker inside the import, once its first batch is in and the second waits on
    // the held row.
    const importSettled = async () => {
      const r = await importRow();
      if (r.status === "done") throw new FaultMissed("the import finished before the worker could be stopped inside it");
      if (r.status === "failed") throw new FaultMissed(`the import failed: ${r.message ?? "no message"}\n${worker.tail()}`);
      return r;
    };
    await waitFor("the import's first batch", async () => (await importSettled()).rows_done > 0);
    await waitFor("the worker to wait on the held row", async () => {
      await importSettled();
      const [w] = await db!.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%pairs%' AND pid <> $1`,
        [(lock as unknown as { processID: number }).processID],
      );
      return w!.n > 0;
    });
    const doneBeforeKill = (await importRow()).rows_done;
    await cluster.kill9(worker);
    await lock.query("ROLLBACK");
    await lock.end();
    log(`FAULT kill -9 worker inside the import (${doneBeforeKill}/${SIZE.importRows} rows saved)`);

    // While no worker runs: kill -9 web B (its clients fail over to A), restart PostgreSQL, bring B back.
    await cluster.kill9(webB);
    webB = null;
    log("FAULT kill -9 web B");
    pgsql.restart();
    log("FAULT PostgreSQL restarted");
    webB = await cluster.startWeb("web-b", hostDirs.b, webBFirst.port);
    log("web B restarted");
    await sleep(Math.max(0, SWEEP_QUIET_MS - 2000));
    worker = cluster.startWorker("worker", hostDirs.w);
    log("worker restarted");
    await waitFor("the import to finish", async () => (await importRow()).status === "done", 180_000);
    log("import done");

    // Fault 2: kill -9 of the worker inside the export. The worker is frozen (SIGSTOP) while the export is
    // created and its row locked, then thawed: it takes the job and waits on that row when the kill lands,
    // however fast the export would otherwise have finished.
    worker.child.kill("SIGSTOP");
    const exp = (await ask("POST", `/api/projects/${project!.id}/exports`, { format: "canonical" })) as { export: { id: string } };
    const exportId = exp.export.id;
    const lock2 = await lockClient(pgsql.url);
    await lock2.query("BEGIN");
    await lock2.query("SELECT id FROM exports WHERE id = $1 FOR UPDATE", [exportId]);
    worker.child.kill("SIGCONT");
    await waitFor("the worker to wait inside the export", async () => {
      const [w] = await db!.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%exports%'`,
      );
      return w!.n > 0;
    });
    await cluster.kill9(worker);
    await lock2.query("ROLLBACK");
    await lock2.end();
    log(`FAULT kill -9 worker inside export ${exportId}`);

    // Fault 3: the bucket unreachable for 10 s, while annotators keep loading work and no worker runs.
    await s3.close();
    s3 = null;
    log("FAULT bucket unreachable");
    await sleep(10_000);
    s3 = await startS3([BUCKET, DATASETS], { port: s3Port, directory: s3Dir });
    log("bucket back");
    await sleep(Math.max(0, SWEEP_QUIET_MS - 10_000));
    worker = cluster.startWorker("worker", hostDirs.w);
    log("worker restarted");
    const exportRow = async () =>
      (await db!.query<{ status: string; sha256: string | null; records: number; message: string | null }>(
        `SELECT status::text, sha256, records::int, message FROM exports WHERE id = $1`,
        [exportId],
      ))[0]!;
    await waitFor("the export to finish", async () => ["done", "failed"].includes((await exportRow()).status), 180_000);
    log(`export ${(await exportRow()).status}`);

    // Let the annotators drain the queue (bounded), then stop them.
    await waitFor("the annotators to finish", async () => {
      const [open] = await db!.query<{ n: number }>(`SELECT count(*)::int AS n FROM pairs WHERE project_id = $1 AND status = 'open'`, [project!.id]);
      return open!.n === 0 || Date.now() > deadline;
    }, SIZE.maxSeconds * 1000);
    stopping = true;
    await Promise.all(people);
    log("annotators stopped");

    // ---- invariants
    const results: [string, boolean, string][] = [];
    const check = (name: string, ok: boolean, detail: string) => results.push([name, ok, detail]);

    const [dup] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM labels GROUP BY pair_id, annotator_id HAVING count(*) > 1) d`,
    );
    check("no pair labelled twice by one person", dup!.n === 0, `${dup!.n} (pair, person) with more than one label`);
    const [over] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pairs p WHERE (SELECT count(*) FROM labels b WHERE b.pair_id = p.id) > p.wanted`,
    );
    check("no pair over its overlap", over!.n === 0, `${over!.n} pairs with more labels than wanted`);

    const acked = [...ledger.acked.values()];
    const stored = await db.query<{ submission_id: string; pair_id: string; annotator_id: number; decision: string }>(
      `SELECT submission_id::text, pair_id::text, annotator_id, decision::text FROM labels WHERE submission_id = ANY($1::uuid[])`,
      [acked.map((a) => a.submissionId)],
    );
    const byId = new Map(stored.map((s) => [s.submission_id, s]));
    const wrong = acked.filter((a) => {
      const s = byId.get(a.submissionId);
      return !s || s.pair_id !== a.pairId || s.annotator_id !== a.userId || s.decision !== a.decision;
    });
    check("every acknowledged decision stored exactly once", wrong.length === 0 && stored.length === acked.length,
      `${acked.length} acknowledged, ${stored.length} stored, ${wrong.length} missing or different`);
    const known = new Set([...ledger.acked.keys(), ...ledger.unknown]);
    const all = await db.query<{ submission_id: string }>(`SELECT submission_id::text FROM labels WHERE project_id = $1`, [project!.id]);
    const phantom = all.filter((l) => !known.has(l.submission_id));
    check("no label the clients did not send or had undone", phantom.length === 0,
      `${all.length} labels, ${phantom.length} not explained by the clients (${ledger.unknown.size} sent with unknown fate)`);

    const broken = await db.query<{ id: string }>(
      `WITH holders AS (SELECT pair_id, annotator_id FROM leases UNION SELECT pair_id, annotator_id FROM labels)
       SELECT p.id::text FROM pairs p WHERE p.project_id = $1
         AND (p.taken <> (SELECT count(*) FROM holders h WHERE h.pair_id = p.id)
           OR p.label_count <> (SELECT count(*) FROM labels b WHERE b.pair_id = p.id))`,
      [project!.id],
    );
    const [counts] = await db.query<{ ok: boolean; detail: string }>(
      `WITH c AS (SELECT sum(open)::int AS open, sum(labelled)::int AS labelled, sum(in_review)::int AS in_review,
                         sum(final)::int AS final, sum(labels)::int AS labels FROM project_counts WHERE project_id = $1),
            r AS (SELECT count(*) FILTER (WHERE status = 'open')::int AS open, count(*) FILTER (WHERE status = 'labelled')::int AS labelled,
                         count(*) FILTER (WHERE status = 'in_review')::int AS in_review, count(*) FILTER (WHERE status = 'final')::int AS final,
                         (SELECT count(*)::int FROM labels WHERE project_id = $1) AS labels
                  FROM pairs WHERE project_id = $1)
       SELECT row(c.*)::text = row(r.*)::text AS ok, 'counters ' || row(c.*)::text || ', recount ' || row(r.*)::text AS detail FROM c, r`,
      [project!.id],
    );
    check("counters equal a recount", broken.length === 0 && counts!.ok, `${broken.length} pairs off their taken/label count; ${counts!.detail}`);

    const [impCheck] = await db.query<{ status: string; rows_done: number; pairs: number; distinct_ids: number; errors: number; duplicates: number }>(
      `SELECT i.status::text, i.rows_done::int,
              (SELECT count(*)::int FROM pairs WHERE import_id = i.id) AS pairs,
              (SELECT count(DISTINCT external_id)::int FROM pairs WHERE import_id = i.id) AS distinct_ids,
              (SELECT count(*)::int FROM import_errors WHERE import_id = i.id) AS errors,
              (SELECT count(*)::int FROM import_duplicates WHERE import_id = i.id) AS duplicates
       FROM imports i WHERE i.id = $1`,
      [importId],
    );
    const n = SIZE.importRows;
    check("the import's pairs each stored once",
      impCheck!.status === "done" && impCheck!.pairs === n && impCheck!.distinct_ids === n && impCheck!.rows_done === n && impCheck!.errors === 0 && impCheck!.duplicates === 0,
      JSON.stringify(impCheck));
    const prefixed = new Set<string>();
    for await (const o of store.list("images/")) prefixed.add(o.key);
    const copied = inPlace.flatMap((p) => [p.sourceSha, p.editedSha]).filter((sha) => prefixed.has(imageKey(sha)));
    check("in-place images not copied under Loupe's prefix", copied.length === 0, `${copied.length} of ${inPlace.length * 2} originals found under store/images/`);

    const ex = await exportRow();
    let exportDetail = JSON.stringify({ status: ex.status, records: ex.records, message: ex.message });
    let exportOk = false;
    if (ex.status === "done" && ex.sha256) {
      const dl = await fetch(`${webA.base}/api/exports/${exportId}/download`, { headers: { Cookie: adminCookie } });
      const bytes = Buffer.from(await dl.arrayBuffer());
      const sha = createHash("sha256").update(bytes).digest("hex");
      const lines = bytes.toString("utf8").split("\n").filter(Boolean);
      const ids = new Set(lines.map((l) => (JSON.parse(l) as { id?: string; external_id?: string }).external_id ?? (JSON.parse(l) as { id?: string }).id));
      exportOk = dl.status === 200 && sha === ex.sha256.trim() && lines.length === ex.records && ids.size === lines.length && ex.records > 0;
      exportDetail = `download ${dl.status}, ${lines.length} lines for ${ex.records} records, sha256 ${sha === ex.sha256.trim() ? "matches" : `${sha} ≠ ${ex.sha256}`}`;
    }
    check("export complete, checksum right (downloaded through A)", exportOk, exportDetail);

    const health = await Promise.all([webA, webB].map((w) => fetch(`${w.base}/api/health`).then((r) => r.status, () => 0)));
    const workerAlive = worker.child.exitCode === null && worker.child.signalCode === null;
    const bucketUp = await store.head(imageKey(shas[0]!.source)).then((h) => h !== null, () => false);
    check("every server healthy at the end", health.every((s) => s === 200) && workerAlive && bucketUp,
      `web A ${health[0]}, web B ${health[1]}, worker ${workerAlive ? "running" : "gone"}, bucket ${bucketUp ? "up" : "down"}`);
    check("no unexpected answer", ledger.counts.unexpected.length === 0, ledger.counts.unexpected.slice(0, 5).join("; ") || "none");

    const c = ledger.counts;
    log(`annotators: ${c.submits} decisions sent, ${acked.length} kept, ${c.replays} replays, ${c.undos} undos, ${c.skips} skips, ` +
      `${c.abandoned} abandoned, ${c.conflicts} conflicts, ${http.gaveUp} requests given up`);
    for (const [name, ok, detail] of results) console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
    const failed = results.filter((r) => !r[1]).length;
    console.log(failed === 0 ? `soak: all ${results.length} invariants hold` : `soak: ${failed} of ${results.length} invariants violated`);
    if (failed > 0) for (const p of cluster.procs) console.log(`--- ${p.name} (last output)\n${p.tail()}`);
    return failed === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`soak: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  },
);
