import { createReadStream } from "node:fs";
import { JSONParser } from "@streamparser/json";
import type { TRawRecord } from "../types";
import { ImportFileError, errorMessage, fileError } from "./errors";
import { CHUNK_BYTES, displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

// One JSON array of objects (LLaVA-style annotation files: GPT-Image-Edit's are hundreds of MB), parsed as a
// stream: each element is handed out as soon as it closes and dropped from the parser's stack (keepStack:
// false), so memory follows one element, not the array. A record's position is its element index.

export function readJsonArray(filePath: string, opts: TReadOptions = {}): TRecordStream {
  const file = displayNameOf(filePath, opts);
  const skip = opts.skip ?? 0;
  let consumed = 0;

  async function* records(): AsyncGenerator<TRawRecord, void, undefined> {
    const stream = createReadStream(filePath, { highWaterMark: opts.chunkBytes ?? CHUNK_BYTES });
    const parser = new JSONParser({ paths: ["$.*"], keepStack: false });
    const ready: TRawRecord[] = [];
    let index = 0;
    let started = false;
    parser.onValue = ({ value }) => {
      const i = index++;
      if (i < skip) return;
      const loc = { file, index: i };
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        const got = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
        ready.push({ ok: false, loc, reason: `element ${i}: expected an object, got ${got}` });
      } else {
        ready.push({ ok: true, loc, values: value as Record<string, unknown> });
      }
    };
    const broken = (err: unknown) =>
      new ImportFileError(`"${file}" is not valid JSON after element ${index} (near byte ${consumed}): ${errorMessage(err)}`, { cause: err });
    let offset = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        let bytes: Buffer = chunk;
        if (!started) {
          let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
          while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
          if (i === bytes.length) {
            offset += chunk.length;
            continue;
          }
          if (bytes[i] !== 0x5b) throw new ImportFileError(`"${file}" does not hold a JSON array (it starts with "${String.fromCharCode(bytes[i]!)}").`);
          bytes = bytes.subarray(i);
          started = true;
        }
        try {
          parser.write(bytes);
        } catch (err) {
          throw broken(err);
        }
        offset += chunk.length;
        consumed = offset;
        for (const rec of ready.splice(0)) yield rec;
      }
      if (!started) throw new ImportFileError(`"${file}" is empty.`);
      if (!parser.isEnded) {
        try {
          parser.end();
        } catch (err) {
          throw broken(err);
        }
      }
      for (const rec of ready.splice(0)) yield rec;
      consumed = offset;
    } catch (err) {
      throw fileError(file, err);
    } finally {
      stream.destroy();
    }
  }

  return recordStream(records(), () => consumed);
}
