import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../env";
import { DEFAULT_FETCH_LIMITS, ImageRefError, inPlaceBuckets, loadImageBytes, parseRetryAfter, type ResolveConfig } from "./resolve";

const PNG_ISH = Buffer.from("\x89PNG\r\n\x1a\n fake image bytes", "latin1");

function cfg(over: Partial<ResolveConfig> = {}): ResolveConfig {
  return { imageRoot: null, allowHosts: [], maxBytes: 1024 * 1024, timeoutMs: 2000, maxRedirects: 5, ...over };
}

async function refusal(promise: Promise<unknown>): Promise<ImageRefError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageRefError);
  return err as ImageRefError;
}

describe("loadImageBytes: objects in place and LOUPE_S3_INPLACE_BUCKETS", () => {
  afterEach(() => {
    delete process.env.LOUPE_S3_INPLACE_BUCKETS;
    resetEnvCache();
  });

  it("reads the list: comma-separated, blanks ignored; unset or empty allows any bucket", () => {
    expect(inPlaceBuckets(" datasets , omni-edit,,")).toEqual(["datasets", "omni-edit"]);
    expect(inPlaceBuckets("")).toBeNull();
    expect(inPlaceBuckets(undefined)).toBeNull();
  });

  it("refuses a bucket not on the list before reaching any server, naming the record's object and the list", async () => {
    process.env.LOUPE_S3_INPLACE_BUCKETS = "datasets,omni-edit";
    resetEnvCache();
    const err = await refusal(loadImageBytes({ kind: "object", url: "s3://payroll/scans/0001.png" }, cfg()));
    expect(err.message).toBe(
      's3://payroll/scans/0001.png: bucket "payroll" is not one Loupe may read images from in place (LOUPE_S3_INPLACE_BUCKETS: datasets, omni-edit)',
    );
  });
});

describe("loadImageBytes: bytes", () => {
  it("returns the bytes as a Buffer", async () => {
    const out = await loadImageBytes({ kind: "bytes", bytes: new Uint8Array(PNG_ISH) }, cfg());
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.equals(PNG_ISH)).toBe(true);
  });

  it("refuses 0 bytes and more than maxBytes", async () => {
    expect((await refusal(loadImageBytes({ kind: "bytes", bytes: new Uint8Array() }, cfg()))).message).toMatch(/0 bytes/);
    const big = { kind: "bytes" as const, bytes: new Uint8Array(2048) };
    expect((await refusal(loadImageBytes(big, cfg({ maxBytes: 1024 })))).message).toMatch(/larger than 1 KB/);
  });
});

describe("loadImageBytes: paths", () => {
  let base: string;
  let root: string;
  let realRoot: string;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), "loupe-resolve-"));
    realRoot = path.join(base, "real-root");
    // The configured root is itself a symlink: that must be fine.
    root = path.join(base, "root-link");
    await mkdir(path.join(realRoot, "a"), { recursive: true });
    await symlink(realRoot, root);
    await writeFile(path.join(realRoot, "a", "b.png"), PNG_ISH);
    await writeFile(path.join(realRoot, "empty.png"), "");
    await writeFile(path.join(realRoot, "big.png"), Buffer.alloc(4096, 1));
    await writeFile(path.join(base, "secret.png"), "outside the root");
    await symlink(path.join(base, "secret.png"), path.join(realRoot, "escape.png"));
    await symlink(base, path.join(realRoot, "escape-dir"));
    await symlink(path.join(realRoot, "a", "b.png"), path.join(realRoot, "inside.png"));
    await symlink("a", path.join(realRoot, "inside-dir"));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const load = (p: string, over: Partial<ResolveConfig> = {}) => loadImageBytes({ kind: "path", path: p }, cfg({ imageRoot: root, ...over }));

  it("reads a file under the root (also with a harmless ..)", async () => {
    expect((await load("a/b.png")).equals(PNG_ISH)).toBe(true);
    expect((await load("a/../a/b.png")).equals(PNG_ISH)).toBe(true);
  });

  it("refuses paths without an image root", async () => {
    expect((await refusal(load("a/b.png", { imageRoot: null }))).message).toBe("image paths need an image root (LOUPE_IMAGE_ROOT)");
  });

  it("refuses .. escapes, absolute paths and NUL bytes", async () => {
    expect((await refusal(load("../secret.png"))).message).toBe("image path escapes the image root: ../secret.png");
    expect((await refusal(load("a/../../secret.png"))).message).toMatch(/escapes the image root/);
    expect((await refusal(load(path.join(base, "secret.png")))).message).toMatch(/must be relative/);
    expect((await refusal(load("/etc/passwd"))).message).toMatch(/must be relative/);
    expect((await refusal(load("a/b.png\0.jpg"))).message).toMatch(/NUL/);
  });

  it("refuses symlinks that lead outside the root", async () => {
    expect((await refusal(load("escape.png"))).message).toMatch(/escapes the image root through a symlink: escape\.png/);
    expect((await refusal(load("escape-dir/secret.png"))).message).toMatch(/through a symlink/);
  });

  it("follows symlinks that stay inside the root", async () => {
    expect((await load("inside.png")).equals(PNG_ISH)).toBe(true);
    expect((await load("inside-dir/b.png")).equals(PNG_ISH)).toBe(true);
  });

  it("reports missing, empty, oversized and non-regular files", async () => {
    expect((await refusal(load("a/missing.png"))).message).toBe("image file not found: a/missing.png");
    expect((await refusal(load("a/b.png/c.png"))).message).toMatch(/not found/);
    expect((await refusal(load("empty.png"))).message).toBe("image file is empty (0 bytes)");
    expect((await refusal(load("big.png", { maxBytes: 1024 }))).message).toMatch(/larger than 1 KB: big\.png/);
    expect((await refusal(load("a"))).message).toMatch(/not a regular file/);
  });
});

interface TestServer {
  port: number;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

async function startServer(host: string, handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer((req, res) => {
    state.requests.push(req.url ?? "");
    handler(req, res);
  });
  const state: TestServer = {
    port: 0,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("connection", () => state.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  return state;
}

describe("loadImageBytes: URLs", () => {
  let srv: TestServer;
  let other: TestServer;
  const body = Buffer.alloc(5000, 7);

  beforeAll(async () => {
    srv = await startServer("127.0.0.1", (req, res) => {
      const url = req.url ?? "/";
      if (url === "/img") {
        res.writeHead(200, { "content-type": "image/png", "content-length": body.length });
        res.end(body);
      } else if (url === "/chunked") {
        // No Content-Length: the limit has to cut the stream itself.
        res.writeHead(200, { "content-type": "image/png" });
        const timer = setInterval(() => res.write(Buffer.alloc(1000, 1)), 5);
        res.on("close", () => clearInterval(timer));
      } else if (url === "/hang") {
        // Never answers.
      } else if (url === "/stall") {
        res.writeHead(200, { "content-type": "image/png" });
        res.write(Buffer.alloc(100));
      } else if (url.startsWith("/busy/")) {
        // /busy/<n>/<retry-after>: answers 429 with that Retry-After to the first n requests for this path, then the image.
        const [, , n, after] = url.split("/");
        const seen = srv.requests.filter((r) => r === url).length;
        if (seen <= Number(n)) res.writeHead(429, after === "none" ? {} : { "retry-after": decodeURIComponent(after!) }).end();
        else res.writeHead(200, { "content-type": "image/png" }).end(body);
      } else if (url === "/down") {
        res.writeHead(503, { "retry-after": "0" }).end();
      } else if (url === "/missing") {
        res.writeHead(404).end("nope");
      } else if (url === "/r1") {
        res.writeHead(302, { location: "/r2" }).end();
      } else if (url === "/r2") {
        res.writeHead(301, { location: `http://127.0.0.1:${srv.port}/img` }).end();
      } else if (url === "/loop") {
        res.writeHead(302, { location: "/loop" }).end();
      } else if (url === "/to-other") {
        res.writeHead(302, { location: `http://127.0.0.2:${other.port}/img` }).end();
      } else if (url === "/to-ip") {
        res.writeHead(307, { location: `http://127.0.0.1:${srv.port}/img` }).end();
      } else if (url === "/to-file") {
        res.writeHead(302, { location: "file:///etc/passwd" }).end();
      } else if (url === "/to-metadata") {
        res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      } else {
        res.writeHead(500).end();
      }
    });
    other = await startServer("127.0.0.2", (_req, res) => res.end(body));
  });

  afterAll(async () => {
    await srv.close();
    await other.close();
  });

  afterEach(() => {
    srv.connections = 0;
    srv.requests = [];
    other.connections = 0;
  });

  const fetchUrl = (url: string, over: Partial<ResolveConfig> = {}) => loadImageBytes({ kind: "url", url }, cfg(over));
  const local = (p: string) => `http://127.0.0.1:${srv.port}${p}`;
  const allowLocal = { allowHosts: ["127.0.0.1"] };

  it("refuses a loopback server by default, without connecting", async () => {
    expect((await refusal(fetchUrl(local("/img")))).message).toBe("image URL refused: 127.0.0.1 is a loopback address");
    expect(srv.connections).toBe(0);
  });

  it("refuses a hostname that resolves to loopback, without connecting", async () => {
    // Not refused by name: this goes through the lookup that net.connect uses.
    const err = await refusal(fetchUrl(`http://localhost:${srv.port}/img`));
    expect(err.message).toMatch(/^image URL refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
    expect(srv.connections).toBe(0);
  });

  it("fetches when the address is allow-listed (IP or CIDR)", async () => {
    expect((await fetchUrl(local("/img"), allowLocal)).equals(body)).toBe(true);
    expect((await fetchUrl(local("/img"), { allowHosts: ["127.0.0.0/8"] })).equals(body)).toBe(true);
    // An IPv4-mapped IPv6 literal is the same host as its IPv4 address.
    expect((await fetchUrl(`http://[::ffff:127.0.0.1]:${srv.port}/img`, allowLocal)).equals(body)).toBe(true);
  });

  it("fetches when the hostname is allow-listed", async () => {
    expect((await fetchUrl(`http://localhost:${srv.port}/img`, { allowHosts: ["LOCALHOST"] })).equals(body)).toBe(true);
  });

  it("enforces the size limit from Content-Length and while streaming", async () => {
    expect((await refusal(fetchUrl(local("/img"), { ...allowLocal, maxBytes: 1024 }))).message).toMatch(/^image is larger than 1 KB/);
    expect((await refusal(fetchUrl(local("/chunked"), { ...allowLocal, maxBytes: 10_000 }))).message).toBe(
      "image is larger than 9.8 KB",
    );
  });

  it("times out on a server that never answers, or stalls mid-body", async () => {
    expect((await refusal(fetchUrl(local("/hang"), { ...allowLocal, timeoutMs: 300 }))).message).toBe(
      "image fetch timed out after 0.3 s",
    );
    expect((await refusal(fetchUrl(local("/stall"), { ...allowLocal, timeoutMs: 300 }))).message).toMatch(/timed out/);
  });

  it("checks the downloaded bytes against the row's sha256, naming both hashes shortened", async () => {
    const right = createHash("sha256").update(body).digest("hex");
    expect((await loadImageBytes({ kind: "url", url: local("/img"), sha256: right.toUpperCase() }, cfg(allowLocal))).equals(body)).toBe(true);
    const wrong = "ab".repeat(32);
    const err = await refusal(loadImageBytes({ kind: "url", url: local("/img"), sha256: wrong }, cfg(allowLocal)));
    expect(err.message).toBe(`sha256 mismatch: the downloaded image hashes to ${right.slice(0, 12)}…, the row expects ${wrong.slice(0, 12)}…`);
  });

  it("reports non-2xx statuses", async () => {
    expect((await refusal(fetchUrl(local("/missing"), allowLocal))).message).toBe("image fetch failed: HTTP 404 Not Found");
  });

  it("follows redirects, relative and absolute", async () => {
    expect((await fetchUrl(local("/r1"), allowLocal)).equals(body)).toBe(true);
    expect(srv.requests).toEqual(["/r1", "/r2", "/img"]);
  });

  it("stops after maxRedirects", async () => {
    expect((await refusal(fetchUrl(local("/loop"), allowLocal))).message).toBe("image URL redirected more than 5 times");
    expect(srv.requests).toHaveLength(6);
    expect((await refusal(fetchUrl(local("/r1"), { ...allowLocal, maxRedirects: 1 }))).message).toMatch(/more than 1 times/);
  });

  it("checks every redirect hop against the allow-list", async () => {
    // 127.0.0.1 is allowed, 127.0.0.2 (also loopback, with a live server) is not.
    expect((await refusal(fetchUrl(local("/to-other"), allowLocal))).message).toBe(
      "image URL refused: 127.0.0.2 is a loopback address",
    );
    expect(other.connections).toBe(0);
    srv.requests = [];
    // Only the name "localhost" is allowed; its redirect to the bare address 127.0.0.1 is not.
    expect((await refusal(fetchUrl(`http://localhost:${srv.port}/to-ip`, { allowHosts: ["localhost"] }))).message).toBe(
      "image URL refused: 127.0.0.1 is a loopback address",
    );
    expect(srv.requests).toEqual(["/to-ip"]);
    expect((await refusal(fetchUrl(local("/to-metadata"), allowLocal))).message).toBe(
      "image URL refused: 169.254.169.254 is a link-local address",
    );
    expect((await refusal(fetchUrl(local("/to-file"), allowLocal))).message).toMatch(/scheme file: is not allowed/);
  });

  it("refuses schemes other than http and https", async () => {
    for (const url of ["file:///etc/passwd", "ftp://example.com/a.png", "data:image/png;base64,AAAA", "gopher://x/"]) {
      expect((await refusal(fetchUrl(url))).message).toMatch(/^image URL refused: scheme [a-z]+: is not allowed/);
    }
    expect((await refusal(fetchUrl("not a url"))).message).toMatch(/not valid/);
  });

  it("refuses special addresses without connecting", async () => {
    const cases: [string, string][] = [
      ["http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"],
      [`http://[::1]:${srv.port}/img`, "::1 is a loopback address"],
      [`http://[::ffff:127.0.0.1]:${srv.port}/img`, "127.0.0.1 is a loopback address"],
      [`http://2130706433:${srv.port}/img`, "127.0.0.1 is a loopback address"],
      ["http://10.0.0.5/x.png", "10.0.0.5 is a private address"],
      ["https://172.16.3.4/x.png", "172.16.3.4 is a private address"],
      ["http://192.168.1.10/x.png", "192.168.1.10 is a private address"],
      ["http://100.64.0.1/x.png", "100.64.0.1 is a carrier-grade NAT address"],
      ["http://0.0.0.0/x.png", "0.0.0.0 is an unspecified address"],
      ["http://224.0.0.1/x.png", "224.0.0.1 is a multicast address"],
      ["http://255.255.255.255/x.png", "255.255.255.255 is a broadcast address"],
      ["http://[fd00::1]/x.png", "fd00::1 is a private address"],
      ["http://[fe80::1]/x.png", "fe80::1 is a link-local address"],
      ["http://[::ffff:10.0.0.1]/x.png", "10.0.0.1 is a private address"],
      ["http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata host"],
    ];
    for (const [url, reason] of cases) {
      expect((await refusal(fetchUrl(url, { timeoutMs: 60_000 }))).message).toBe(`image URL refused: ${reason}`);
    }
    expect(srv.connections).toBe(0);
  });

  it("retries a 429 after the Retry-After it gives, in seconds or as an HTTP date", async () => {
    const t0 = Date.now();
    const out = await fetchUrl(local("/busy/2/1"), allowLocal);
    expect(out.equals(body)).toBe(true);
    expect(srv.requests.filter((r) => r === "/busy/2/1")).toHaveLength(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900); // two waits of a second each, as the host asked
    const date = encodeURIComponent(new Date(Date.now() + 1000).toUTCString());
    expect((await fetchUrl(local(`/busy/1/${date}`), allowLocal)).equals(body)).toBe(true);
  });

  it("bounds the retries: attempts, and the total wait (a Retry-After past it fails at once)", async () => {
    const few = await refusal(fetchUrl(local("/down"), { ...allowLocal, retry: { attempts: 3, maxWaitMs: 10_000, baseDelayMs: 10 } }));
    expect(few.message).toBe("image fetch failed: HTTP 503 Service Unavailable, 3 attempts over 0 s");
    expect(srv.requests.filter((r) => r === "/down")).toHaveLength(3);
    const long = await refusal(fetchUrl(local("/busy/5/3600"), { ...allowLocal, retry: { attempts: 5, maxWaitMs: 5000, baseDelayMs: 10 } }));
    expect(long.message).toBe("image fetch failed: HTTP 429 Too Many Requests; Retry-After 3600 s is past the limit of 5 s of waiting");
    expect(srv.requests.filter((r) => r === "/busy/5/3600")).toHaveLength(1);
    const backoff = await fetchUrl(local("/busy/2/none"), { ...allowLocal, retry: { attempts: 3, maxWaitMs: 5000, baseDelayMs: 10 } });
    expect(backoff.equals(body)).toBe(true);
    expect(await refusal(fetchUrl(local("/missing"), allowLocal))).toHaveProperty("message", "image fetch failed: HTTP 404 Not Found");
    expect(srv.requests.filter((r) => r === "/missing")).toHaveLength(1); // a 404 is not retried
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-12-08T10:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter("Tue, 08 Dec 2026 10:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 08 Dec 2026 09:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });

  it("has the documented defaults", () => {
    expect(DEFAULT_FETCH_LIMITS).toEqual({
      maxBytes: 50 * 1024 * 1024,
      timeoutMs: 15_000,
      maxRedirects: 5,
      retry: { attempts: 5, maxWaitMs: 120_000, baseDelayMs: 1000 },
    });
  });
});
