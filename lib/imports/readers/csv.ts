import { createReadStream } from "node:fs";
import path from "node:path";
import { parse, type Parser } from "csv-parse";
import type { TEncoding, TRawRecord } from "../types";
import { ImportFileError, errorMessage, fileError } from "./errors";
import { CHUNK_BYTES, displayNameOf, recordStream, type TReadOptions, type TRecordStream } from "./stream";

/** An open quote makes the rest of the file one field: past this many characters the file is refused. */
export const MAX_CSV_RECORD_CHARS = 50_000_000;

type TParsed = string[] | { error: string };

function pickDecoder(encoding: TEncoding, head: Uint8Array): TextDecoder {
  if (encoding !== "auto") return new TextDecoder(encoding);
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder("utf-16le");
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder("utf-16be");
  // TextDecoder drops a UTF-8 BOM by itself.
  return new TextDecoder("utf-8");
}

export function defaultDelimiter(filePath: string, opts: TReadOptions): string {
  if (opts.delimiter) return opts.delimiter;
  const ext = path.extname(opts.displayName ?? filePath).toLowerCase();
  return ext === ".tsv" || ext === ".tab" ? "\t" : ",";
}

function countNewlines(fields: string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf("\n"); i !== -1; i = f.indexOf("\n", i + 1)) n++;
  return n;
}

function headerOf(fields: string[], file: string): string[] {
  const seen = new Set<string>();
  return fields.map((raw, i) => {
    // pandas writes its index as a column with an empty name.
    const name = raw.trim() || `column_${i + 1}`;
    if (seen.has(name)) throw new ImportFileError(`"${file}": the header names the column "${name}" more than once.`);
    seen.add(name);
    return name;
  });
}

/**
 * CSV or TSV, first row the header. Text is decoded here and handed to csv-parse with CRLF folded to LF,
 * so every LF either ends a record or sits inside a quoted field: that is how record start lines are
 * counted without csv-parse's costly per-record info object. With relax_quotes and relax_column_count the
 * only row error left is a quote open at the end; on_skip pushes it into the output, in file order.
 */
export function readCsv(filePath: string, opts: TReadOptions = {}, onHeader?: (columns: string[]) => void): TRecordStream {
  const file = displayNameOf(filePath, opts);
  const skip = opts.skip ?? 0;
  const delimiter = defaultDelimiter(filePath, opts);
  let consumed = 0;

  async function* records(): AsyncGenerator<TRawRecord, void, undefined> {
    const queue: TParsed[] = [];
    let failure: unknown = null;
    const parser: Parser = parse({
      delimiter,
      record_delimiter: "\n",
      relax_quotes: true,
      relax_column_count: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        parser.push({ error: err ? err.message : "unreadable row" });
        return undefined;
      },
    });
    parser.on("error", (err) => (failure ??= err));

    const drain = () => {
      for (let item = parser.read() as TParsed | null; item !== null; item = parser.read() as TParsed | null) queue.push(item);
      if (failure) throw failure;
    };
    // The parser holds back a write's completion while its output is over the high-water mark, so
    // draining goes on until the write is through.
    const feed = async (text: string) => {
      let written = false;
      parser.write(text, () => (written = true));
      drain();
      while (!written) {
        await new Promise((resolve) => setImmediate(resolve));
        drain();
      }
    };

    const stream = createReadStream(filePath, { highWaterMark: opts.chunkBytes ?? CHUNK_BYTES });
    let decoder: TextDecoder | null = null;
    let head: Buffer | null = null;
    let pendingCr = false;
    let charsSinceRecord = 0;
    let header: string[] | null = null;
    let nextLine = 1;
    let index = 0;

    const take = function* (): Generator<TRawRecord, void, undefined> {
      for (let i = 0; i < queue.length; i++) {
        const item = queue[i]!;
        if (!Array.isArray(item)) {
          if (index++ >= skip) yield { ok: false, loc: { file, index: index - 1, line: nextLine }, reason: `unreadable CSV row: ${item.error}` };
          continue;
        }
        const line = nextLine;
        nextLine += 1 + countNewlines(item);
        if (item.length === 1 && item[0] === "") continue;
        if (!header) {
          header = headerOf(item, file);
          onHeader?.(header);
          continue;
        }
        if (index < skip) {
          index++;
          continue;
        }
        const loc = { file, index: index++, line };
        if (item.length !== header.length) {
          yield { ok: false, loc, reason: `expected ${header.length} fields as in the header, found ${item.length}` };
          continue;
        }
        const values: Record<string, unknown> = {};
        for (let c = 0; c < item.length; c++) {
          if (item[c] !== "") values[header[c]!] = item[c];
        }
        yield { ok: true, loc, values };
      }
      queue.length = 0;
    };

    const push = async (text: string) => {
      if (pendingCr) text = "\r" + text;
      pendingCr = text.endsWith("\r");
      if (pendingCr) text = text.slice(0, -1);
      text = text.replaceAll("\r\n", "\n");
      if (text.length === 0) return;
      await feed(text);
      if (queue.length > 0) {
        charsSinceRecord = 0;
        return;
      }
      charsSinceRecord += text.length;
      if (charsSinceRecord > MAX_CSV_RECORD_CHARS) {
        throw new ImportFileError(
          `"${file}": the row starting on line ${nextLine} runs on for more than ${MAX_CSV_RECORD_CHARS / 1_000_000} million characters; is a quote left open?`,
        );
      }
    };

    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        consumed += chunk.length;
        let bytes: Buffer = chunk;
        if (!decoder) {
          // The BOM decides the encoding, so hold the first bytes until there are enough to see it.
          head = head ? Buffer.concat([head, chunk]) : chunk;
          if (head.length < 3) continue;
          decoder = pickDecoder(opts.encoding ?? "auto", head);
          bytes = head;
          head = null;
        }
        await push(decoder.decode(bytes, { stream: true }));
        yield* take();
      }
      if (!decoder) {
        decoder = pickDecoder(opts.encoding ?? "auto", head ?? new Uint8Array());
        if (head) await push(decoder.decode(head, { stream: true }));
      }
      const rest = decoder.decode() + (pendingCr ? "\r" : "");
      pendingCr = false;
      if (rest) await feed(rest);
      await new Promise<void>((resolve) => parser.end(resolve));
      drain();
      yield* take();
    } catch (err) {
      if (err instanceof ImportFileError) throw err;
      if (err instanceof Error && "code" in err && typeof err.code === "string" && err.code.startsWith("CSV_")) {
        throw new ImportFileError(`"${file}" is not a readable CSV file: ${errorMessage(err)}`, { cause: err });
      }
      throw fileError(file, err);
    } finally {
      stream.destroy();
      parser.destroy();
    }
  }

  return recordStream(records(), () => consumed);
}
