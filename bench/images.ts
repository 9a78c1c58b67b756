// npm run bench:images — an image GET through Loupe on each storage backend beside a direct GET of the
// same object from the same server, in one run:
//   local:        Loupe streams LOUPE_DATA_DIR/images/..; direct = the same file from a plain node:http server
//   s3 proxy:     Loupe streams the object from the bucket (LOUPE_S3_SERVE=proxy)
//   s3 redirect:  Loupe answers a presigned redirect, followed to the bucket (the default with S3)
//   s3 direct:    a presigned GET straight to the bucket (s3rver, started here; decision 017)
// Each GET is a signed-in browser's request without a cache: the whole body is read. BENCH_GETS per mode
// (sequential, after BENCH_WARMUP), BENCH_IMAGE_KB image size. Needs `npm run build` first.
// Last line: {"local_p50_ms",…,"s3_redirect_p95_ms",…}.
import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { hashPassword } from "../lib/auth/password";
import { putImage } from "../lib/images/store";
import { storageAt } from "../lib/storage/config";
import { imageKey } from "../lib/storage/keys";
import { startS3 } from "../test/support/s3";
import { round, summarize, table } from "./lib/stats";

const GETS = Number(process.env.BENCH_GETS ?? 300);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const IMAGE_KB = Number(process.env.BENCH_IMAGE_KB ?? 300);
const PORT = Number(process.env.BENCH_PORT ?? 3291);
const EMAIL = "bench@bench.local";
const PASSWORD = "bench-password-123";

async function imageBytes(): Promise<Buffer> {
  // Noise does not compress: a PNG of about BENCH_IMAGE_KB.
  const side = Math.round(Math.sqrt((IMAGE_KB * 1024) / 3));
  const raw = Buffer.alloc(side * side * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24;
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    const ok = await fetch(url).then((r) => r.status < 500, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer`);
}

async function signIn(base: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const jar = csrf.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar },
    body: new URLSearchParams({ csrfToken, email: EMAIL, password: PASSWORD, json: "true" }),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.includes("session-token"));
  if (!session) throw new Error(`sign-in failed (${res.status})`);
  return session;
}

async function timeGets(url: string, init: RequestInit, expectBytes: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < WARMUP + GETS; i++) {
    const t0 = performance.now();
    const res = await fetch(url, init);
    const body = await res.arrayBuffer();
    const ms = performance.now() - t0;
    if (res.status !== 200 || body.byteLength !== expectBytes) throw new Error(`${url}: ${res.status}, ${body.byteLength} bytes`);
    if (i >= WARMUP) out.push(ms);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "loupe-bench-img-"));
  const s3 = await startS3(["loupe"]);
  const children: ChildProcess[] = [];
  const servers: http.Server[] = [];
  try {
    const bytes = await imageBytes();
    const db = await openDatabase({ kind: "embedded", dataDir: dir });
    await db.dedicated((r) => migrate(r));
    await db.prisma.user.create({ data: { email: EMAIL, name: "Bench", passwordHash: await hashPassword(PASSWORD), role: "admin" } });
    const stored = await putImage(db, dir, bytes);
    await db.close();
    const bucket = storageAt("s3://loupe/bench", s3.client);
    await bucket.put(imageKey(stored.sha256), bytes, { sha256: stored.sha256, contentType: stored.mime });
    console.log(`image ${stored.sha256.slice(0, 12)}… ${(bytes.length / 1024).toFixed(0)} KiB, ${GETS} GETs per mode after ${WARMUP} warm-up`);

    const results: Record<string, number[]> = {};
    const file = path.join(dir, "images", stored.sha256.slice(0, 2), stored.sha256);
    const plain = http.createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": stored.mime, "Content-Length": String(bytes.length) });
      createReadStream(file).pipe(res);
    });
    servers.push(plain);
    await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
    results["local direct"] = await timeGets(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/`, {}, bytes.length);
    results["s3 direct"] = await timeGets((await bucket.presignGet(imageKey(stored.sha256), { expiresIn: 3600 }))!, {}, bytes.length);

    const modes: [string, Record<string, string>][] = [
      ["local", {}],
      ["s3 proxy", { ...s3.env, LOUPE_STORAGE_URL: "s3://loupe/bench", LOUPE_S3_SERVE: "proxy" }],
      ["s3 redirect", { ...s3.env, LOUPE_STORAGE_URL: "s3://loupe/bench", LOUPE_S3_SERVE: "redirect" }],
    ];
    for (const [name, extra] of modes) {
      const base = `http://127.0.0.1:${PORT}`;
      const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(PORT), "-H", "127.0.0.1"], {
        stdio: ["ignore", "ignore", "inherit"],
        env: {
          ...process.env,
          ...extra,
          LOUPE_DATA_DIR: dir,
          LOUPE_JOBS: "off",
          NEXTAUTH_SECRET: "bench-secret-not-for-production-0123456789",
          NEXTAUTH_URL: base,
          NEXT_TELEMETRY_DISABLED: "1",
          NODE_ENV: "production",
        },
      });
      children.push(child);
      await waitFor(`${base}/login`, child);
      const cookie = await signIn(base);
      // fetch follows the redirect to the bucket, as the browser does; the cookie stays with Loupe's origin.
      results[name] = await timeGets(`${base}/api/images/${stored.sha256}`, { headers: { Cookie: cookie } }, bytes.length);
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }

    const direct = (k: string) => (k.startsWith("s3") ? "s3 direct" : "local direct");
    const rows = Object.entries(results).map(([k, v]) => {
      const s = summarize(v);
      const d = summarize(results[direct(k)]!);
      return [k, String(s.n), round(s.p50, 2), round(s.p95, 2), k.endsWith(" direct") ? 1 : round(s.p50 / d.p50, 2)];
    });
    console.log(table(["mode", "GETs", "p50 ms", "p95 ms", "p50 ÷ direct"], rows));
    const summary: Record<string, number> = {};
    for (const [k, v] of Object.entries(results)) {
      const s = summarize(v);
      const key = k.replace(/ /g, "_");
      summary[`${key}_p50_ms`] = round(s.p50, 2);
      summary[`${key}_p95_ms`] = round(s.p95, 2);
    }
    console.log(JSON.stringify(summary));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    for (const s of servers) s.close();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
