import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startS3, type TS3Server } from "@/test/support/s3";
import { storageAt } from "./config";
import { imageKey } from "./keys";
import { LocalStorage } from "./local";
import { migrateStorage } from "./migrate";
import { readObject } from "./read";
import { parseRange, serveObject, signingWindow } from "./serve";
import { StorageIntegrityError, type Storage } from "./types";

// The storage contract, run on the local folder and on a real S3 protocol server (s3rver, decision 017).
// Each test makes a few dozen requests to a local server: a generous timeout rides out a busy machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

let s3: TS3Server;
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), "loupe-storage-"));
  dirs.push(d);
  return d;
};
const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const text = async (r: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
};
const keys = async (s: Storage, prefix: string) => {
  const out: string[] = [];
  for await (const o of s.list(prefix)) out.push(`${o.key}:${o.size}`);
  return out;
};

beforeAll(async () => {
  s3 = await startS3(["loupe", "other"]);
});
afterAll(async () => {
  await s3?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const backends: [string, () => Storage][] = [
  ["local", () => new LocalStorage(tmp())],
  ["s3", () => storageAt(`s3://loupe/run-${Math.random().toString(36).slice(2)}`, s3.client)],
];

describe.each(backends)("storage contract (%s)", (kind, make) => {
  it("puts from a stream, verifies sha256, gets whole and by range, heads, lists, copies and deletes", async () => {
    const s = make();
    expect(s.kind).toBe(kind);
    const body = Buffer.from("0123456789abcdef".repeat(1000));
    const put = await s.put("images/aa/x", Readable.from([body.subarray(0, 7000), body.subarray(7000)]), { sha256: sha(body) });
    expect(put).toEqual({ size: body.length, sha256: sha(body) });
    expect((await readObject(s, "images/aa/x"))!.equals(body)).toBe(true);

    const part = (await s.get("images/aa/x", { start: 10, end: 25 }))!;
    expect(part.range).toEqual({ start: 10, end: 25 });
    expect(part.totalSize).toBe(body.length);
    expect(await text(part.body)).toBe(body.subarray(10, 26).toString());
    const tail = (await s.get("images/aa/x", { start: body.length - 3 }))!;
    expect(await text(tail.body)).toBe("def");

    expect(await s.head("images/aa/x")).toMatchObject({ key: "images/aa/x", size: body.length });
    expect(await s.head("images/aa/none")).toBeNull();
    expect(await s.get("images/aa/none")).toBeNull();

    await expect(s.put("images/aa/bad", Buffer.from("not what was promised"), { sha256: sha(body) })).rejects.toBeInstanceOf(StorageIntegrityError);
    expect(await s.head("images/aa/bad")).toBeNull();

    await s.put("exports/1/data.jsonl", Buffer.from("{}\n"));
    await s.put("exports/1/images/b.png", Buffer.from("png"));
    await s.copy("images/aa/x", "exports/1/images/a.png");
    await s.put("exports/10/data.jsonl", Buffer.from("x"));
    expect(await keys(s, "exports/1/")).toEqual(["exports/1/data.jsonl:3", `exports/1/images/a.png:${body.length}`, "exports/1/images/b.png:3"]);
    expect(await keys(s, "exports/")).toHaveLength(4);

    await s.deletePrefix("exports/1/");
    expect(await keys(s, "exports/")).toEqual(["exports/10/data.jsonl:1"]);
    await s.delete("images/aa/x");
    expect(await s.head("images/aa/x")).toBeNull();
    await expect(s.head("../etc/passwd")).rejects.toThrow(/Not a storage key/);
  });

  it("serves with Range and an immutable ETag when proxied, 404 naming the key when the object is gone", async () => {
    const s = make();
    const body = Buffer.from("abcdefghij");
    await s.put(imageKey(sha(body)), body, { sha256: sha(body) });
    const opts = { mode: "proxy" as const, urlSeconds: 600, contentType: "image/png", immutable: true, etag: `"${sha(body)}"`, missingMessage: "gone" };
    const whole = await serveObject(s, imageKey(sha(body)), new Request("http://x/"), opts);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("cache-control")).toContain("immutable");
    expect(await whole.text()).toBe("abcdefghij");
    const part = await serveObject(s, imageKey(sha(body)), new Request("http://x/", { headers: { range: "bytes=2-4" } }), opts);
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-4/10");
    expect(await part.text()).toBe("cde");
    const again = await serveObject(s, imageKey(sha(body)), new Request("http://x/", { headers: { "if-none-match": `"${sha(body)}"` } }), opts);
    expect(again.status).toBe(304);
    await expect(serveObject(s, imageKey("0".repeat(64)), new Request("http://x/"), { ...opts, missingMessage: "Image missing (images/00/…)" })).rejects.toThrow(
      "Image missing",
    );
  });
});

describe("presigned redirects (s3)", () => {
  it("redirects to a URL the server honours, stable within a signing window, refused once expired", async () => {
    const s = storageAt("s3://loupe/presign", s3.client);
    const body = Buffer.from("presigned bytes");
    await s.put("images/ab/x", body);
    const opts = { mode: "redirect" as const, urlSeconds: 120, contentType: "image/webp", immutable: true, missingMessage: "gone" };
    const now = Date.now();
    const a = await serveObject(s, "images/ab/x", new Request("http://x/"), { ...opts, now });
    const b = await serveObject(s, "images/ab/x", new Request("http://x/"), { ...opts, now: now + 1 });
    expect(a.status).toBe(302);
    // The browser may keep the redirect only for what is left of the window, never past the URL's life.
    const maxAge = Number(/max-age=(\d+)/.exec(a.headers.get("cache-control")!)![1]);
    expect(maxAge).toBeLessThanOrEqual(60);
    const url = a.headers.get("location")!;
    expect(b.headers.get("location")).toBe(url);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-type")).toBe("image/webp");
    expect(await got.text()).toBe("presigned bytes");

    // Signed long enough ago that it has expired: the server refuses it, so a stale URL cannot be replayed.
    const old = await s.presignGet("images/ab/x", { expiresIn: 60, signedAt: new Date(now - 120_000) });
    expect((await fetch(old!)).status).toBe(403);
  });

  it("windows: a URL followed from a cached redirect has at least half its life left", () => {
    for (const t of [0, 1, 29_999, 30_000, 59_999, 1_733_000_000_123]) {
      const w = signingWindow(t, 60);
      const expires = w.signedAt.getTime() + 60_000;
      expect(expires - (t + w.maxAge * 1000)).toBeGreaterThanOrEqual(30_000);
    }
  });

  it("parses ranges as RFC 9110 says", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange("bytes=5-", 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange("bytes=-3", 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange("bytes=8-100", 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange("bytes=10-", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=0-1,4-5", 10)).toBeNull();
    expect(parseRange(null, 10)).toBeNull();
  });
});

describe("storage:migrate", () => {
  it("copies a local store into a bucket, resumes after a crash without recopying, and verifies each object", async () => {
    const root = tmp();
    const local = new LocalStorage(root);
    const images = [0, 1, 2, 3, 4].map((i) => Buffer.from(`image ${i}`));
    for (const b of images) await local.put(imageKey(sha(b)), b);
    await local.put("uploads/u1/rows.jsonl", Buffer.from('{"a":1}\n'));
    await local.put("exports/7/export-7-canonical.jsonl", Buffer.from("line\n"));
    const bucket = storageAt("s3://other/migrated", s3.client);

    let n = 0;
    await expect(
      migrateStorage(local, bucket, {
        onObject: () => {
          if (++n === 3) throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    const done = await migrateStorage(local, bucket);
    expect(done).toMatchObject({ seen: 7, skipped: 3, copied: 4 });

    // Read back by an independent client: every key, every byte.
    const reader = storageAt("s3://other/migrated", s3.client);
    for (const b of images) expect((await readObject(reader, imageKey(sha(b))))!.equals(b)).toBe(true);
    expect((await readObject(reader, "uploads/u1/rows.jsonl"))!.toString()).toBe('{"a":1}\n');
    expect((await readObject(reader, "exports/7/export-7-canonical.jsonl"))!.toString()).toBe("line\n");

    // A corrupted copy is found and replaced on the next run.
    await reader.put(imageKey(sha(images[0]!)), Buffer.from("image X"));
    const again = await migrateStorage(local, bucket);
    expect(again).toMatchObject({ copied: 1, skipped: 6 });
    expect((await readObject(reader, imageKey(sha(images[0]!))))!.equals(images[0]!)).toBe(true);
  });
});
