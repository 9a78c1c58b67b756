import { createReadStream } from "node:fs";
import type { TRawRecord } from "../types";
import { ImportFileError, fileError } from "./errors";
import { CHUNK_BYTES, displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

/** A line longer than this is reported and passed over instead of being buffered without limit. */
export const MAX_JSONL_LINE_BYTES = 256 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

function isBlank(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== 0x20 && c !== 0x09 && c !== CR) return false;
  }
  return true;
}

function parseLine(buf: Buffer, start: number, end: number): { ok: true; values: Record<string, unknown> } | { ok: false; reason: string } {
  if (end > start && buf[end - 1] === CR) end--;
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString("utf8", start, end));
  } catch (err) {
    return { ok: false, reason: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    const got = parsed === null ? "null" : Array.isArray(parsed) ? "an array" : `a ${typeof parsed}`;
    return { ok: false, reason: `invalid JSON: expected an object on each line, got ${got}` };
  }
  return { ok: true, values: parsed as Record<string, unknown> };
}

/** JSON Lines, split on LF by hand (readline costs an event per line); skipped lines stay undecoded for fast resume. */
export function readJsonl(filePath: string, opts: TReadOptions = {}): TRecordStream {
  const file = displayNameOf(filePath, opts);
  const skip = opts.skip ?? 0;
  let consumed = 0;

  async function* records(): AsyncGenerator<TRawRecord, void, undefined> {
    const stream = createReadStream(filePath, { highWaterMark: opts.chunkBytes ?? CHUNK_BYTES });
    let index = 0;
    let line = 0;
    let offset = 0;
    let carry: Buffer[] = [];
    let carryBytes = 0;
    let oversized = false;

    // Returns the record for a complete line, or null for a blank line or one skipped on resume.
    const finishLine = (buf: Buffer, start: number, end: number): TRawRecord | null => {
      line++;
      if (line === 1) {
        if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
        else if ((buf[start] === 0xff && buf[start + 1] === 0xfe) || (buf[start] === 0xfe && buf[start + 1] === 0xff)) {
          throw new ImportFileError(`"${file}" is UTF-16 encoded; JSON Lines files must be UTF-8.`);
        }
      }
      if (oversized) {
        oversized = false;
        if (index++ < skip) return null;
        return { ok: false, loc: { file, index: index - 1, line }, reason: `line is longer than ${MAX_JSONL_LINE_BYTES / 1024 / 1024} MiB` };
      }
      if (isBlank(buf, start, end)) return null;
      if (index < skip) {
        index++;
        return null;
      }
      const loc = { file, index: index++, line };
      const parsed = parseLine(buf, start, end);
      return parsed.ok ? { ok: true, loc, values: parsed.values } : { ok: false, loc, reason: parsed.reason };
    };

    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let start = 0;
        let nl = chunk.indexOf(LF, start);
        while (nl !== -1) {
          let rec: TRawRecord | null;
          if (carryBytes > 0) {
            const joined = Buffer.concat([...carry, chunk.subarray(start, nl)]);
            carry = [];
            carryBytes = 0;
            rec = finishLine(joined, 0, joined.length);
          } else {
            rec = finishLine(chunk, start, nl);
          }
          start = nl + 1;
          consumed = offset + start;
          if (rec) yield rec;
          nl = chunk.indexOf(LF, start);
        }
        if (start < chunk.length) {
          if (oversized || carryBytes + chunk.length - start > MAX_JSONL_LINE_BYTES) {
            oversized = true;
            carry = [];
            carryBytes = 0;
          } else {
            carry.push(chunk.subarray(start));
            carryBytes += chunk.length - start;
          }
        }
        offset += chunk.length;
      }
      if (carryBytes > 0 || oversized) {
        const joined = Buffer.concat(carry);
        carry = [];
        carryBytes = 0;
        const rec = finishLine(joined, 0, joined.length);
        consumed = offset;
        if (rec) yield rec;
      }
      consumed = offset;
    } catch (err) {
      throw fileError(file, err);
    } finally {
      stream.destroy();
    }
  }

  return recordStream(records(), () => consumed);
}
