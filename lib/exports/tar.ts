import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Storage } from "../storage/types";

// A folder as a POSIX ustar stream, for downloading a multi-file export. Written here, not taken from a
// package: we only write regular files and folders we created, streamed one at a time.

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/** ustar keeps a path in name (100 bytes) plus prefix (155): split at a slash so both fit. */
function splitName(p: string): { name: string; prefix: string } {
  if (Buffer.byteLength(p) <= 100) return { name: p, prefix: "" };
  for (let i = p.indexOf("/"); i !== -1; i = p.indexOf("/", i + 1)) {
    const prefix = p.slice(0, i);
    const name = p.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { name, prefix };
  }
  throw new Error(`Path too long for a tar entry: ${p}`);
}

export function tarHeader(entryPath: string, opts: { size: number; mtime: Date; dir?: boolean }): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  const { name, prefix } = splitName(entryPath);
  h.write(name, 0, 100, "utf8");
  h.write(octal(opts.dir ? 0o755 : 0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  if (opts.size < 8 ** 11) {
    h.write(octal(opts.size, 12), 124, "ascii");
  } else {
    // Over 8 GiB: the base-256 size field GNU tar and every modern reader accept.
    h[124] = 0x80;
    let v = BigInt(opts.size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(Math.floor(opts.mtime.getTime() / 1000), 12), 136, "ascii");
  h.write(" ".repeat(8), 148, "ascii");
  h.write(opts.dir ? "5" : "0", 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write("loupe", 265, "ascii");
  h.write("loupe", 297, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148, "ascii");
  return h;
}

interface Entry {
  rel: string;
  abs: string;
  dir: boolean;
}

async function walk(root: string, rel = ""): Promise<Entry[]> {
  const out: Entry[] = [];
  const items = await readdir(path.join(root, rel), { withFileTypes: true });
  items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const it of items) {
    const r = rel ? `${rel}/${it.name}` : it.name;
    if (it.isDirectory()) {
      out.push({ rel: r, abs: path.join(root, r), dir: true });
      out.push(...(await walk(root, r)));
    } else if (it.isFile()) {
      out.push({ rel: r, abs: path.join(root, r), dir: false });
    }
  }
  return out;
}

async function* tarChunks(root: string, top: string): AsyncGenerator<Uint8Array> {
  const entries = await walk(root);
  yield tarHeader(`${top}/`, { size: 0, mtime: new Date(), dir: true });
  for (const e of entries) {
    const st = await stat(e.abs);
    if (e.dir) {
      yield tarHeader(`${top}/${e.rel}/`, { size: 0, mtime: st.mtime, dir: true });
      continue;
    }
    yield tarHeader(`${top}/${e.rel}`, { size: st.size, mtime: st.mtime });
    let written = 0;
    if (st.size > 0) {
      for await (const chunk of createReadStream(e.abs, { highWaterMark: 1 << 20, end: st.size - 1 })) {
        const b = chunk as Buffer;
        written += b.length;
        yield b;
      }
    }
    if (written !== st.size) throw new Error(`${e.rel} changed while it was being sent.`);
    const pad = (BLOCK - (st.size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad, 0);
  }
  yield Buffer.alloc(2 * BLOCK, 0);
}

export function tarDirectory(root: string, top: string): ReadableStream<Uint8Array> {
  return streamOf(tarChunks(root, top));
}

/** A pull stream over a generator: a chunk is made only when the reader asks, and a cancel ends the generator. */
function streamOf(it: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
}

/** The objects under `prefix` in a store (a bucket) as one ustar stream, folders before their files. */
export function tarObjects(storage: Storage, prefix: string, top: string): ReadableStream<Uint8Array> {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const now = new Date();
    yield tarHeader(`${top}/`, { size: 0, mtime: now, dir: true });
    const dirs = new Set<string>();
    for await (const o of storage.list(prefix)) {
      const rel = o.key.slice(prefix.length);
      const parts = rel.split("/");
      for (let i = 1; i < parts.length; i++) {
        const d = parts.slice(0, i).join("/");
        if (!dirs.has(d)) {
          dirs.add(d);
          yield tarHeader(`${top}/${d}/`, { size: 0, mtime: now, dir: true });
        }
      }
      yield tarHeader(`${top}/${rel}`, { size: o.size, mtime: now });
      const got = await storage.get(o.key);
      if (!got) throw new Error(`${rel} vanished while it was being sent.`);
      let written = 0;
      for await (const chunk of got.body) {
        written += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (written !== o.size) throw new Error(`${rel} changed while it was being sent.`);
      const pad = (BLOCK - (o.size % BLOCK)) % BLOCK;
      if (pad) yield Buffer.alloc(pad, 0);
    }
    yield Buffer.alloc(2 * BLOCK, 0);
  }
  return streamOf(chunks());
}
