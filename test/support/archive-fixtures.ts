import { writeFile } from "node:fs/promises";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";

// Archives as datasets publish them: tar and tar.gz written by a real tar writer, and one stream cut into
// numbered parts at arbitrary byte offsets, as `split -b` does.

export interface TEntry {
  name: string;
  body: string | Uint8Array;
}

export async function tarBytes(entries: TEntry[], opts: { gzip?: boolean } = {}): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on("data", (c: unknown) => chunks.push(c as Buffer));
    p.on("end", () => resolve());
    p.on("error", reject);
  });
  for (const e of entries) {
    const body = typeof e.body === "string" ? Buffer.from(e.body) : Buffer.from(e.body);
    await new Promise<void>((resolve, reject) => p.entry({ name: e.name, size: body.length }, body, (err) => (err ? reject(err) : resolve())));
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  return opts.gzip ? gzipSync(tar) : tar;
}

/** Writes `bytes` as parts `<base><suffix(i)>` cut at the given offsets; returns the part paths in order. */
export async function writeParts(dir: string, base: string, bytes: Buffer, cuts: number[], suffix: (i: number) => string): Promise<string[]> {
  const bounds = [0, ...cuts, bytes.length];
  const out: string[] = [];
  for (let i = 0; i < bounds.length - 1; i++) {
    const file = path.join(dir, `${base}${suffix(i)}`);
    await writeFile(file, bytes.subarray(bounds[i], bounds[i + 1]));
    out.push(file);
  }
  return out;
}

/** Byte offset of a member's body inside an uncompressed tar (its header precedes it). */
export function memberOffset(tar: Buffer, name: string): number {
  for (let off = 0; off + 512 <= tar.length; ) {
    const header = tar.subarray(off, off + 512);
    const n = header.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
    if (n === "") break;
    const size = parseInt(header.subarray(124, 136).toString("utf8").replace(/\0.*$/s, "").trim() || "0", 8);
    if (n === name) return off + 512;
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`no member ${name}`);
}
