import "server-only";
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { getEnv } from "../env";
import { bucketStorage } from "./config";
import type { Storage } from "./types";

// Readers that seek (Parquet footers, numbered parts) want a file. An upload kept in a bucket is copied
// once to this host's cache folder and read there; any host can do it, so nothing needs a shared disk.

/** A local path for `file`: itself when it is one, else (s3://bucket/key) a cached copy under `cacheRoot`. */
export async function localCopy(file: string, cacheRoot = path.resolve(getEnv().LOUPE_DATA_DIR, "cache")): Promise<string> {
  if (!file.startsWith("s3://")) return file;
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(file);
  if (!m) throw new Error(`Not an S3 object: ${file}`);
  const [, bucket, key] = m as unknown as [string, string, string];
  const store = bucketStorage(bucket);
  const info = await store.head(key);
  if (!info) throw new Error(`${file} is no longer in its bucket.`);
  const name = createHash("sha256").update(file).digest("hex").slice(0, 24);
  const dest = path.join(cacheRoot, name, path.posix.basename(key));
  const have = await stat(dest).catch(() => null);
  if (have?.size === info.size) return dest;
  await mkdir(path.dirname(dest), { recursive: true });
  const got = await store.get(key);
  if (!got) throw new Error(`${file} is no longer in its bucket.`);
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await pipeline(got.body, createWriteStream(tmp));
    await rename(tmp, dest);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  return dest;
}

/** The same files with every s3:// path (an upload kept in a bucket) replaced by its local copy. */
export async function withLocalCopies<T extends { path: string; parts?: { path: string }[] }>(files: T[]): Promise<T[]> {
  if (!files.some((f) => f.path.startsWith("s3://"))) return files;
  return Promise.all(files.map(async (f) => ({ ...f, path: await localCopy(f.path) })));
}

/** Writes every object under `prefix` to `dir` + its key's rest (the CLI's copy of an export kept in a bucket). */
export async function downloadPrefix(storage: Storage, prefix: string, dir: string): Promise<void> {
  for await (const o of storage.list(prefix)) {
    const dest = path.join(dir, ...o.key.slice(prefix.length).split("/"));
    await mkdir(path.dirname(dest), { recursive: true });
    const got = await storage.get(o.key);
    if (got) await pipeline(got.body, createWriteStream(dest));
  }
}
