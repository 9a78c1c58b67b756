import { createReadStream } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { ImportFileError } from "./errors";
import { CHUNK_BYTES, type TPart } from "./stream";

export type { TPart };

// Archives published as one byte stream cut into numbered files: GPT-Image-Edit's `hqedit.tar.gz.part000…`,
// SEED-Data-Edit's `multi_turn.tar.gz.part-aa…`, ImgEdit's `*.tar.split.000…`. The cut falls anywhere (inside a
// gzip block, inside a tar member), so the parts are only readable as one stream, in order.

/** `name.partNNN`, `name.part-aa`, `name.split.000` (the suffixes `split` and the publishers above produce). */
const PART_NAME = /^(.+)\.(?:part-?|split\.)(\d+|[a-z]+)$/i;

export function partOf(fileName: string): { base: string; suffix: string } | null {
  const m = PART_NAME.exec(fileName);
  return m ? { base: m[1]!, suffix: m[2]!.toLowerCase() } : null;
}

/** The next suffix after `s` in split's order: 000 → 001, aa → ab, az → ba. */
function nextSuffix(s: string): string {
  if (/^\d+$/.test(s)) return String(Number(s) + 1).padStart(s.length, "0");
  const chars = [...s];
  for (let i = chars.length - 1; i >= 0; i--) {
    if (chars[i] !== "z") {
      chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) + 1);
      return chars.join("");
    }
    chars[i] = "a";
  }
  return "a" + chars.join("");
}

function compareSuffix(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return Number(a) - Number(b);
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Groups the part files of one folder by the name they were cut from, in part order, refusing a group with a
 * part missing in the middle (the stream would break there, or worse, read on into the wrong bytes).
 * Files that are not parts come back as groups of one under their own name.
 */
export function groupParts<T extends { name: string }>(files: T[]): { name: string; parts: T[] }[] {
  const groups = new Map<string, { name: string; parts: { file: T; suffix: string }[] }>();
  for (const file of files) {
    const part = partOf(file.name);
    const key = part ? `p:${part.base}` : `f:${file.name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { name: part ? part.base : file.name, parts: [] }));
    g.parts.push({ file, suffix: part?.suffix ?? "" });
  }
  const out: { name: string; parts: T[] }[] = [];
  for (const g of groups.values()) {
    g.parts.sort((a, b) => compareSuffix(a.suffix, b.suffix));
    for (let i = 1; i < g.parts.length; i++) {
      const expected = nextSuffix(g.parts[i - 1]!.suffix);
      if (g.parts[i]!.suffix !== expected) {
        throw new ImportFileError(`${g.name} is split into parts and part ${expected} is missing (found ${g.parts[i - 1]!.suffix}, then ${g.parts[i]!.suffix}).`);
      }
    }
    out.push({ name: g.name, parts: g.parts.map((p) => p.file) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The parts of a file as one stream, counting the bytes read from disk (progress). */
export function openParts(parts: TPart[], chunkBytes = CHUNK_BYTES): { stream: Readable; bytesRead(): number } {
  let read = 0;
  async function* chunks(): AsyncGenerator<Buffer, void, undefined> {
    for (const part of parts) {
      const stream = createReadStream(part.path, { highWaterMark: chunkBytes });
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          read += chunk.length;
          yield chunk;
        }
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === "ENOENT") throw new ImportFileError(`Part ${path.basename(part.path)} was not found.`, { cause: err });
        throw err;
      } finally {
        stream.destroy();
      }
    }
  }
  return { stream: Readable.from(chunks(), { objectMode: false }), bytesRead: () => read };
}
