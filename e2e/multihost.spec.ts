import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import type { Page } from "@playwright/test";
import { DeleteObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { expect, test, watchCsp } from "./fixtures";

// Two hosts (issue 13 point 6, decision 023): web A and web B, each with its own LOUPE_DATA_DIR and
// LOUPE_JOBS=off, and one worker, on one PostgreSQL database and one s3rver bucket (started by
// scripts/two-hosts.ts, which may load Loupe's server modules). The manifest is uploaded and imported through
// A (its images referenced in place in another bucket), a person annotates through B and sees every image
// load, the worker runs the export, A serves its download. Nothing is shared but the database and the
// bucket, so whatever one host wrote the other can only have found there.

interface TReady {
  a: string;
  b: string;
  projectId: number;
  pairs: number;
  originals: string[];
  s3: ConstructorParameters<typeof S3Client>[0];
  password: string;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const imageKey = (sha: string) => `images/${sha.slice(0, 2)}/${sha}`;

let setup: ChildProcess;
let env: TReady;
let s3: S3Client;

test.describe.configure({ mode: "serial", timeout: 300_000 });

test.beforeAll(async () => {
  test.setTimeout(300_000);
  setup = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", "scripts/two-hosts.ts"], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  env = await new Promise<TReady>((resolve, reject) => {
    setup.stdout!.on("data", (b: Buffer) => {
      out += b.toString();
      const line = out.split("\n").find((l) => l.startsWith("READY "));
      if (line) resolve(JSON.parse(line.slice("READY ".length)) as TReady);
    });
    setup.stderr!.on("data", (b: Buffer) => (out += b.toString()));
    setup.on("exit", (code) => reject(new Error(`scripts/two-hosts.ts exited with ${code}:\n${out}`)));
  });
  s3 = new S3Client(env.s3!);
});

test.afterAll(async () => {
  s3?.destroy();
  if (setup && setup.exitCode === null) {
    const exited = new Promise((r) => setup.once("exit", r));
    setup.kill("SIGTERM");
    await exited;
  }
});

async function signIn(page: Page, base: string, email: string) {
  await page.goto(`${base}/signin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(env.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}

test("upload and import through A, annotate through B with every image shown, export by the worker downloaded through A", async ({ browser }) => {
  // ---- A: the admin uploads the manifest and starts the import (the page's own API calls, same session).
  const adminContext = await browser.newContext();
  const adminPage = await adminContext.newPage();
  await signIn(adminPage, env.a, "admin@hosts.local");
  const manifest = Array.from({ length: env.pairs }, (_, i) =>
    JSON.stringify({ id: `scene-${i}`, instruction: `scene ${i} edit`, source: `s3://datasets/scenes/${i}/source.webp`, edited: `s3://datasets/scenes/${i}/edited.webp` }),
  ).join("\n");
  const api = adminPage.request;
  const up = await api.put(`${env.a}/api/uploads?name=scenes.jsonl`, { data: manifest, headers: { "Content-Type": "application/octet-stream" } });
  expect(up.status(), await up.text()).toBe(200);
  const { uploadId } = (await up.json()) as { uploadId: string };
  const created = await api.post(`${env.a}/api/projects/${env.projectId}/imports`, {
    data: { source: { kind: "upload", uploadId }, preset: null, mapping: { externalId: "id", instruction: "instruction", source: "source", edited: "edited" } },
  });
  expect(created.status(), await created.text()).toBe(200);
  const importId = ((await created.json()) as { import: { id: string } }).import.id;
  // Neither web process runs jobs: the worker takes it, reading the upload from the bucket on its own host.
  await expect
    .poll(async () => ((await (await api.get(`${env.a}/api/imports/${importId}`)).json()) as { import: { status: string; inserted: number } }).import, { timeout: 90_000 })
    .toMatchObject({ status: "done", inserted: env.pairs });

  // ---- B: a person annotates every pair; each image on screen is actually loaded by the browser.
  const context = await browser.newContext();
  await watchCsp(context);
  const page = await context.newPage();
  await signIn(page, env.b, "annotator@hosts.local");
  await page.goto(`${env.b}/annotate/${env.projectId}`);
  const article = page.getByRole("article", { name: "Edit pair" });
  const seen = new Set<string>();
  for (let i = 0; i < env.pairs; i++) {
    await expect(page.getByRole("button", { name: "Accept", exact: true })).toBeEnabled();
    const pairId = (await article.getAttribute("data-pair-id"))!;
    expect(seen.has(pairId)).toBe(false);
    seen.add(pairId);
    // Every image on the page (the compare view, and any earlier turn), not just one pane's.
    const images = page.getByRole("main").locator("img");
    await expect.poll(() => images.count()).toBeGreaterThan(0);
    await expect
      .poll(() => images.evaluateAll((els) => els.map((e) => (e as HTMLImageElement).complete && (e as HTMLImageElement).naturalWidth > 0)), { timeout: 30_000 })
      .toEqual(Array((await images.count()) as number).fill(true));
    await page.keyboard.press("a");
    if (i < env.pairs - 1) await expect(article).not.toHaveAttribute("data-pair-id", pairId);
  }
  await expect(page.getByRole("heading", { name: "Nothing left for you in this project" })).toBeVisible({ timeout: 20_000 });

  // ---- the worker exports; A serves the download, whose bytes match the checksum the worker recorded.
  const exp = await api.post(`${env.a}/api/projects/${env.projectId}/exports`, { data: { format: "canonical" } });
  expect(exp.status(), await exp.text()).toBe(200);
  const exportId = ((await exp.json()) as { export: { id: string } }).export.id;
  let done: { status: string; sha256: string | null; records: number } | undefined;
  await expect
    .poll(async () => {
      done = ((await (await api.get(`${env.a}/api/exports/${exportId}`)).json()) as { export: typeof done }).export;
      return done?.status;
    }, { timeout: 90_000 })
    .toBe("done");
  const download = await api.get(`${env.a}/api/exports/${exportId}/download`);
  expect(download.status()).toBe(200);
  const bytes = await download.body();
  expect(sha256(bytes)).toBe(done!.sha256);
  const lines = bytes.toString("utf8").trim().split("\n");
  expect(lines).toHaveLength(env.pairs);
  expect(lines.map((l) => (JSON.parse(l) as { external_id?: string; id?: string }).external_id ?? (JSON.parse(l) as { id: string }).id).sort())
    .toEqual(Array.from({ length: env.pairs }, (_, i) => `scene-${i}`));

  // ---- in place: no original under Loupe's prefix (only derivatives are there); nothing on either host's disk.
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "loupe", Prefix: "store/images/" }));
  const keys = (listed.Contents ?? []).map((o) => o.Key!.slice("store/".length));
  expect(keys.length).toBeGreaterThan(0);
  for (const sha of env.originals) expect(keys).not.toContain(imageKey(sha));

  // ---- an original that disappears later is reported missing with its key, on the other host too.
  await s3.send(new DeleteObjectCommand({ Bucket: "datasets", Key: "scenes/0/source.webp" }));
  const gone = await api.get(`${env.b}/api/images/${env.originals[0]}`, { maxRedirects: 0 });
  expect(gone.status()).toBe(404);
  expect(await gone.text()).toContain("s3://datasets/scenes/0/source.webp is no longer in its bucket");
  await context.close();
  await adminContext.close();
});
