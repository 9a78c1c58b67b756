import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "@playwright/test";
import bcrypt from "bcryptjs";
import pg from "pg";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { DEFAULT_REJECT_REASONS } from "../lib/projects/reasons";
import { storageAt } from "../lib/storage/config";
import { imageKey } from "../lib/storage/keys";
import type { Storage } from "../lib/storage/types";
import { generateDemoPairs } from "../scripts/demo/generate";
import { renderScene } from "../scripts/demo/render";
import { Cluster, type TWeb } from "../test/support/cluster";
import { startS3, type TS3Server } from "../test/support/s3";
import { expect, test, watchCsp } from "./fixtures";

// Two hosts (issue 13 point 6, decision 023): web A and web B, each with its own LOUPE_DATA_DIR and
// LOUPE_JOBS=off, and one worker, on one PostgreSQL database and one s3rver bucket. The manifest is uploaded
// and imported through A (its images referenced in place in another bucket), a person annotates through B and
// sees every image load, the worker runs the export, A serves its download. Nothing is shared but the
// database and the bucket, so whatever one host wrote the other can only have found there.

const PAIRS = 3;
const PASSWORD = "two-hosts-password-1";
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

let s3: TS3Server;
let cluster: Cluster;
let webA: TWeb;
let webB: TWeb;
let root: string;
let dbName: string;
let databaseUrl: string;
let store: Storage;
let datasets: Storage;
const originals: string[] = [];
let adminEmail: string;
let annotatorEmail: string;
let projectId: number;

test.describe.configure({ mode: "serial", timeout: 240_000 });

test.beforeAll(async () => {
  test.setTimeout(240_000);
  const base = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  // The e2e server's naming (loupe_e2e_<base36 time>), so its sweep drops a database a killed run left.
  dbName = `loupe_e2e_${Date.now().toString(36)}_hosts`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  databaseUrl = url.toString();
  const db = await openDatabase({ kind: "server", url: databaseUrl, poolSize: 2 });
  await db.dedicated((r) => migrate(r));
  const hash = bcrypt.hashSync(PASSWORD, 4);
  adminEmail = "admin@hosts.e2e";
  annotatorEmail = "annotator@hosts.e2e";
  await db.query(
    `INSERT INTO users (email, name, password_hash, role) VALUES ($1, 'Admin A', $3, 'admin'), ($2, 'Annotator B', $3, 'annotator')`,
    [adminEmail, annotatorEmail, hash],
  );
  const [p] = await db.query<{ id: number }>(
    `INSERT INTO projects (name, overlap, reject_reasons) VALUES ('Two hosts', 1, $1::jsonb) RETURNING id`,
    [JSON.stringify(DEFAULT_REJECT_REASONS)],
  );
  projectId = p!.id;
  await db.close();

  s3 = await startS3(["loupe", "datasets"]);
  store = storageAt("s3://loupe/store", s3.client);
  datasets = storageAt("s3://datasets", s3.client);
  for (const [i, spec] of generateDemoPairs(PAIRS, 23).entries()) {
    const [s, e] = await Promise.all([renderScene(spec.source), renderScene(spec.edited)]);
    await datasets.put(`scenes/${i}/source.webp`, s);
    await datasets.put(`scenes/${i}/edited.webp`, e);
    originals.push(sha256(s), sha256(e));
  }

  root = mkdtempSync(path.join(tmpdir(), "loupe-hosts-"));
  cluster = new Cluster({
    databaseUrl,
    storageEnv: { ...s3.env, LOUPE_STORAGE_URL: "s3://loupe/store" },
    extraEnv: { LOUPE_S3_INPLACE_BUCKETS: "datasets" },
  });
  [webA, webB] = await Promise.all([cluster.startWeb("web-a", path.join(root, "a")), cluster.startWeb("web-b", path.join(root, "b"))]);
  cluster.startWorker("worker", path.join(root, "w"));
});

test.afterAll(async () => {
  await cluster?.stop();
  await s3?.close();
  if (root) rmSync(root, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" });
  await c.connect().then(() => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)).catch(() => {});
  await c.end().catch(() => {});
});

async function signIn(page: Page, host: TWeb, email: string) {
  await page.goto(`${host.base}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}

test("upload and import through A, annotate through B with every image shown, export by the worker downloaded through A", async ({ browser }) => {
  // ---- A: the admin uploads the manifest and starts the import (the page's own API calls, same session).
  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, webA, adminEmail);
  const manifest = Array.from({ length: PAIRS }, (_, i) =>
    JSON.stringify({ id: `scene-${i}`, instruction: `scene ${i} edit`, source: `s3://datasets/scenes/${i}/source.webp`, edited: `s3://datasets/scenes/${i}/edited.webp` }),
  ).join("\n");
  const api = adminPage.request;
  const up = await api.put(`${webA.base}/api/uploads?name=scenes.jsonl`, { data: manifest, headers: { "Content-Type": "application/octet-stream" } });
  expect(up.status(), await up.text()).toBe(200);
  const { uploadId } = (await up.json()) as { uploadId: string };
  const created = await api.post(`${webA.base}/api/projects/${projectId}/imports`, {
    data: { source: { kind: "upload", uploadId }, preset: null, mapping: { externalId: "id", instruction: "instruction", source: "source", edited: "edited" } },
  });
  expect(created.status(), await created.text()).toBe(200);
  const importId = ((await created.json()) as { import: { id: string } }).import.id;
  // Neither web process runs jobs: the worker takes it, reading the upload from the bucket on its own host.
  await expect
    .poll(async () => ((await (await api.get(`${webA.base}/api/imports/${importId}`)).json()) as { import: { status: string; inserted: number } }).import, { timeout: 90_000 })
    .toMatchObject({ status: "done", inserted: PAIRS });

  // ---- B: a person annotates every pair; each image on screen is actually loaded by the browser.
  const context = await browser.newContext();
  await watchCsp(context);
  const page = await context.newPage();
  await signIn(page, webB, annotatorEmail);
  await page.goto(`${webB.base}/annotate/${projectId}`);
  const article = page.getByRole("article", { name: "Edit pair" });
  const seen = new Set<string>();
  for (let i = 0; i < PAIRS; i++) {
    await expect(page.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();
    const pairId = (await article.getAttribute("data-pair-id"))!;
    expect(seen.has(pairId)).toBe(false);
    seen.add(pairId);
    const images = article.locator("img");
    await expect.poll(() => images.count()).toBeGreaterThan(0);
    await expect
      .poll(() => images.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0)), { timeout: 30_000 })
      .toEqual(Array((await images.count()) as number).fill(true));
    await page.keyboard.press("a");
    if (i < PAIRS - 1) await expect(article).not.toHaveAttribute("data-pair-id", pairId);
  }
  await expect(page.getByRole("heading", { name: "Nothing left for you in this project" })).toBeVisible({ timeout: 20_000 });

  // ---- the worker exports; A serves the download, whose bytes match the checksum the worker recorded.
  const exp = await api.post(`${webA.base}/api/projects/${projectId}/exports`, { data: { format: "canonical" } });
  expect(exp.status(), await exp.text()).toBe(200);
  const exportId = ((await exp.json()) as { export: { id: string } }).export.id;
  let done: { status: string; sha256: string | null; records: number } | undefined;
  await expect
    .poll(async () => {
      done = ((await (await api.get(`${webA.base}/api/exports/${exportId}`)).json()) as { export: typeof done }).export;
      return done?.status;
    }, { timeout: 90_000 })
    .toBe("done");
  const download = await api.get(`${webA.base}/api/exports/${exportId}/download`);
  expect(download.status()).toBe(200);
  const bytes = await download.body();
  expect(sha256(bytes)).toBe(done!.sha256);
  const lines = bytes.toString("utf8").trim().split("\n");
  expect(lines).toHaveLength(PAIRS);
  expect(lines.map((l) => (JSON.parse(l) as { external_id?: string; id?: string }).external_id ?? (JSON.parse(l) as { id: string }).id).sort())
    .toEqual(Array.from({ length: PAIRS }, (_, i) => `scene-${i}`));

  // ---- in place: no original under Loupe's prefix (only derivatives are there); nothing on either host's disk.
  const keys: string[] = [];
  for await (const o of store.list("images/")) keys.push(o.key);
  expect(keys.length).toBeGreaterThan(0);
  for (const sha of originals) expect(keys).not.toContain(imageKey(sha));

  // ---- an original that disappears later is reported missing with its key, on the other host too.
  await datasets.delete("scenes/0/source.webp");
  const gone = await api.get(`${webB.base}/api/images/${originals[0]}`, { maxRedirects: 0 });
  expect(gone.status()).toBe(404);
  expect(await gone.text()).toContain("s3://datasets/scenes/0/source.webp is no longer in its bucket");
  await context.close();
  await adminContext.close();
});
