import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { constants as fsConstants, createReadStream, createWriteStream } from "node:fs";
import { copyFile, link, mkdir, opendir, rename, rm, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkKey, StorageIntegrityError, type Storage, type TByteRange, type TGetResult, type TObjectInfo, type TPutOptions } from "./types";

// The local folder: today's LOUPE_DATA_DIR layout, key "images/ab/<sha>" is the file <root>/images/ab/<sha>.

function notFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** Hashes what passes through it. */
export function hashingStream(): { stream: Transform; digest: () => { sha256: string; size: number } } {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  let sha: string | null = null;
  return { stream, digest: () => ({ sha256: (sha ??= hash.digest("hex")), size }) };
}

export function toReadable(body: Readable | Uint8Array): Readable {
  return body instanceof Readable ? body : Readable.from([Buffer.from(body.buffer, body.byteOffset, body.byteLength)]);
}

export class LocalStorage implements Storage {
  readonly kind = "local" as const;
  readonly location: string;

  constructor(readonly root: string) {
    this.location = path.resolve(root);
  }

  localPath(key: string): string {
    return path.join(this.location, ...checkKey(key).split("/"));
  }

  async put(key: string, body: Readable | Uint8Array, opts: TPutOptions = {}): Promise<{ size: number; sha256: string }> {
    const file = this.localPath(key);
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    const h = hashingStream();
    try {
      await pipeline(toReadable(body), h.stream, createWriteStream(tmp, { flags: "wx" }));
      const got = h.digest();
      if (opts.sha256 && got.sha256 !== opts.sha256) {
        throw new StorageIntegrityError(`The bytes for ${key} hash to ${got.sha256}, not ${opts.sha256}.`);
      }
      await rename(tmp, file); // atomic on one filesystem; a concurrent writer of the same bytes is harmless
      return got;
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  async get(key: string, range?: TByteRange): Promise<TGetResult | null> {
    const file = this.localPath(key);
    let totalSize: number;
    try {
      const st = await stat(file);
      if (!st.isFile()) return null;
      totalSize = st.size;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
    if (!range) return { body: createReadStream(file), size: totalSize, totalSize, range: null };
    const end = Math.min(range.end ?? totalSize - 1, totalSize - 1);
    if (range.start > end) throw new RangeError(`Range ${range.start}-${range.end ?? ""} is outside ${totalSize} bytes.`);
    return { body: createReadStream(file, { start: range.start, end }), size: end - range.start + 1, totalSize, range: { start: range.start, end } };
  }

  async head(key: string): Promise<TObjectInfo | null> {
    try {
      const st = await stat(this.localPath(key));
      return st.isFile() ? { key, size: st.size } : null;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.localPath(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkKey(prefix, { prefix: true });
    if (!prefix.endsWith("/")) throw new Error(`deletePrefix takes a folder (ending in "/"): ${prefix}`);
    await rm(path.join(this.location, prefix), { recursive: true, force: true });
  }

  async *list(prefix: string): AsyncIterable<TObjectInfo> {
    checkKey(prefix, { prefix: true });
    // Walk the deepest folder the prefix names, then filter by the rest of it.
    const slash = prefix.lastIndexOf("/");
    const base = slash < 0 ? "" : prefix.slice(0, slash + 1);
    yield* this.walk(base, prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncGenerator<TObjectInfo> {
    let dir;
    try {
      dir = await opendir(path.join(this.location, dirKey));
    } catch (err) {
      if (notFound(err)) return;
      throw err;
    }
    const names: { name: string; isDir: boolean }[] = [];
    for await (const d of dir) {
      if (d.isDirectory() || (d.isFile() && !d.name.endsWith(".tmp"))) names.push({ name: d.name, isDir: d.isDirectory() });
    }
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const n of names) {
      const key = `${dirKey}${n.name}`;
      if (n.isDir) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(`${key}/`, prefix);
      } else if (key.startsWith(prefix)) {
        const st = await stat(path.join(this.location, key)).catch(() => null);
        if (st) yield { key, size: st.size };
      }
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.localPath(fromKey);
    const to = this.localPath(toKey);
    await mkdir(path.dirname(to), { recursive: true });
    // Stored objects are never rewritten in place, so a hard link is a safe copy that costs no bytes.
    await link(from, to).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === "EEXIST" || err.code === "ENOENT") throw err;
      await copyFile(from, to, fsConstants.COPYFILE_EXCL | fsConstants.COPYFILE_FICLONE);
    });
  }

  async presignGet(): Promise<string | null> {
    return null;
  }
}
