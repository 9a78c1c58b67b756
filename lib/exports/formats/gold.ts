import path from "node:path";
import type { TExportImage, TExportRow, TFormatWriter, TOpenWriter, TSplit, TWriterContext } from "../types";
import { csvRow } from "./csv";
import { ExportImages, inChunks } from "./images";
import { GOLD_COLUMNS, type TGoldRecord } from "./schemas";
import { TextSink } from "./sink";

// The gold subset for training the editing model: pairs whose final decision is accept or
// recaption, with the final instruction. Rejects are left out. gold-jsonl keeps every string byte
// for byte; gold-csv is for spreadsheets (formula-neutralised cells, images always as files).

export type TGoldRow = TExportRow & { finalDecision: "accept" | "recaption" };

export function isGold(row: TExportRow): row is TGoldRow {
  return row.finalDecision === "accept" || row.finalDecision === "recaption";
}

/** Rows read and images copied concurrently per chunk: small, since embedded images sit in memory. */
export const IMAGE_CHUNK = { files: 16, embedded: 4 } as const;

export type TImageRefs<T> = { source: T; edited: T; mask: T | null };

export async function imageRefs<T>(row: TExportRow, ref: (image: TExportImage) => Promise<T>): Promise<TImageRefs<T>> {
  const [source, edited, mask] = await Promise.all([ref(row.sourceImage), ref(row.editedImage), row.maskImage ? ref(row.maskImage) : null]);
  return { source, edited, mask };
}

export function goldRecord<T>(row: TGoldRow, images: TImageRefs<T>) {
  return {
    pair_id: row.pairId,
    external_id: row.externalId,
    split: row.split,
    task: row.task,
    subtask: row.subtask,
    session_id: row.sessionId ?? null,
    turn: row.turn ?? null,
    instruction: row.finalInstruction,
    original_instruction: row.instruction,
    final_decision: row.finalDecision,
    is_gold: row.isGold,
    source_image: images.source,
    edited_image: images.edited,
    mask_image: images.mask,
    source_sha256: row.sourceImage.sha256,
    edited_sha256: row.editedImage.sha256,
    mask_sha256: row.maskImage?.sha256 ?? null,
    source_width: row.sourceImage.width,
    source_height: row.sourceImage.height,
    edited_width: row.editedImage.width,
    edited_height: row.editedImage.height,
  } satisfies Record<keyof TGoldRecord, unknown>;
}

export class SplitCounts {
  readonly splits: Record<TSplit, number> = { train: 0, validation: 0 };
  add(split: TSplit, n = 1) {
    this.splits[split] += n;
  }
  get records(): number {
    return this.splits.train + this.splits.validation;
  }
}

/** A writer of one text file of records made from rows; rows go a few at a time so images load concurrently. */
export async function openLineWriter<R extends TExportRow, T>(
  ctx: TWriterContext,
  opts: {
    ext: string;
    header?: string;
    take: (row: TExportRow) => row is R;
    /** The image option this format honours ("files" for CSV, whatever the export asked). */
    images: "files" | "embedded";
    encode: (row: R, images: ExportImages) => Promise<T>;
    /** Their text, line breaks included; counts the records per split. */
    emit: (out: T, counts: SplitCounts) => string;
  },
): Promise<TFormatWriter> {
  const dataFile = `${ctx.baseName}.${opts.ext}`;
  const sink = new TextSink(path.join(ctx.dir, dataFile));
  const images = new ExportImages({ ...ctx, options: { ...ctx.options, images: opts.images } });
  const counts = new SplitCounts();
  if (opts.header) await sink.write(opts.header);
  return {
    async write(rows) {
      await inChunks(rows.filter(opts.take), IMAGE_CHUNK[opts.images], (row) => opts.encode(row, images), async (outs) => {
        await sink.write(outs.map((o) => opts.emit(o, counts)).join(""));
      });
    },
    async finish() {
      await sink.close();
      return { dataFile, files: [dataFile, ...images.files()], records: counts.records, splits: { ...counts.splits } };
    },
    async abort() {
      await sink.abort();
    },
  };
}

/** gold-jsonl: one JSON object per line (ZGoldRecord); images as relative paths or data URLs. */
export const openGoldJsonlWriter: TOpenWriter = (ctx) =>
  openLineWriter(ctx, {
    ext: "jsonl",
    take: isGold,
    images: ctx.options.images,
    encode: async (row, images) => goldRecord(row, await imageRefs(row, (i) => images.ref(i))),
    emit: (rec, counts) => {
      counts.add(rec.split);
      // JSON.stringify escapes only what JSON requires: every string comes back byte for byte.
      return `${JSON.stringify(rec)}\n`;
    },
  });

/** gold-csv: RFC 4180 with a header row, CRLF line breaks, UTF-8 without BOM; images always as files. */
export const openGoldCsvWriter: TOpenWriter = (ctx) =>
  openLineWriter(ctx, {
    ext: "csv",
    header: csvRow(GOLD_COLUMNS),
    take: isGold,
    images: "files",
    encode: async (row, images) => goldRecord(row, await imageRefs(row, (i) => images.file(i))),
    emit: (rec, counts) => {
      counts.add(rec.split);
      return csvRow(GOLD_COLUMNS.map((c) => rec[c]));
    },
  });
