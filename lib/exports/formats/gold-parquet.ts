import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ParquetWriter, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import type { TExportRow, TFormatWriter, TOpenWriter, TSplit, TWriterContext } from "../types";
import { IMAGE_CHUNK, SplitCounts, goldRecord, imageRefs, isGold } from "./gold";
import { cardHeader, provenance, SubtaskCounts } from "./dataset-card";
import { ExportImages, imageFileName, inChunks } from "./images";
import { GOLD_COLUMNS, type TGoldRecord } from "./schemas";
import { ParquetFileSink } from "./sink";

// gold-parquet in the Hugging Face Hub's layout: data/train-00000-of-00001.parquet and
// data/validation-00000-of-00001.parquet, the splits `load_dataset("parquet", data_dir=DIR)` takes; each
// row also keeps its split. Image columns have the `datasets` Image storage type {bytes, path}, declared
// in the "huggingface" metadata: embedded, bytes hold the file and path its name; files, bytes are null and
// path is images/<sha256>.<ext> relative to the export folder (`datasets` resolves it against the working
// directory, so load from there). Row groups are written as they fill: memory holds one per split.

export const ROW_GROUP_ROWS = 4096;
export const ROW_GROUP_IMAGE_BYTES = 32 << 20;
export const SPLIT_FILES: Record<TSplit, string> = {
  train: "data/train-00000-of-00001.parquet",
  validation: "data/validation-00000-of-00001.parquet",
};

type TImageCell = { bytes: Uint8Array | null; path: string };
type TParquetRecord = Omit<TGoldRecord, "source_image" | "edited_image" | "mask_image"> & {
  source_image: TImageCell;
  edited_image: TImageCell;
  mask_image: TImageCell | null;
};

const IMAGE_COLUMNS = new Set<string>(["source_image", "edited_image", "mask_image"]);
const BOOLEAN_COLUMNS = new Set<string>(["is_gold"]);
const INT_COLUMNS = new Set<string>(["turn", "source_width", "source_height", "edited_width", "edited_height"]);

/** Every column nullable, as `datasets` types them, so its features match the file's schema exactly. */
function parquetSchema(): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: "schema", num_children: GOLD_COLUMNS.length }];
  for (const name of GOLD_COLUMNS) {
    if (IMAGE_COLUMNS.has(name)) {
      schema.push(
        { name, repetition_type: "OPTIONAL", num_children: 2 },
        { name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" },
        { name: "path", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
      );
    } else if (BOOLEAN_COLUMNS.has(name)) schema.push({ name, type: "BOOLEAN", repetition_type: "OPTIONAL" });
    else if (INT_COLUMNS.has(name)) schema.push({ name, type: "INT32", repetition_type: "OPTIONAL" });
    else schema.push({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
  }
  return schema;
}

/** The `datasets` Features, as Features.from_arrow_schema reads them from the "huggingface" key. */
export function huggingFaceFeatures(): Record<string, { _type: string; dtype?: string }> {
  const features: Record<string, { _type: string; dtype?: string }> = {};
  for (const name of GOLD_COLUMNS) {
    if (IMAGE_COLUMNS.has(name)) features[name] = { _type: "Image" };
    else if (BOOLEAN_COLUMNS.has(name)) features[name] = { dtype: "bool", _type: "Value" };
    else if (INT_COLUMNS.has(name)) features[name] = { dtype: "int32", _type: "Value" };
    else features[name] = { dtype: "string", _type: "Value" };
  }
  return features;
}

class SplitFile {
  private rows: TParquetRecord[] = [];
  private imageBytes = 0;

  private constructor(
    readonly rel: string,
    private readonly sink: ParquetFileSink,
    private readonly pq: ParquetWriter,
  ) {}

  static async open(ctx: TWriterContext, rel: string): Promise<SplitFile> {
    const file = path.join(ctx.dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    const sink = await ParquetFileSink.create(file);
    const pq = new ParquetWriter({
      writer: sink,
      schema: parquetSchema(),
      kvMetadata: [
        { key: "huggingface", value: JSON.stringify({ info: { features: huggingFaceFeatures() } }) },
        { key: "loupe", value: JSON.stringify({ format: "gold-parquet", images: ctx.options.images }) },
      ],
      createdBy: "Loupe export (hyparquet-writer)",
    });
    return new SplitFile(rel, sink, pq);
  }

  async push(rec: TParquetRecord): Promise<void> {
    this.rows.push(rec);
    for (const cell of [rec.source_image, rec.edited_image, rec.mask_image]) this.imageBytes += cell?.bytes?.byteLength ?? 0;
    if (this.rows.length >= ROW_GROUP_ROWS || this.imageBytes >= ROW_GROUP_IMAGE_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.imageBytes = 0;
    const columnData: ColumnSource[] = GOLD_COLUMNS.map((name) => {
      const data = rows.map((r) => r[name]);
      // Image files are compressed already, and min/max statistics of their bytes mean nothing.
      return IMAGE_COLUMNS.has(name) ? { name, data, codec: "UNCOMPRESSED", statistics: false } : { name, data };
    });
    await this.pq.write({ columnData, rowGroupSize: rows.length });
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.pq.finish();
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}

export const openGoldParquetWriter: TOpenWriter = async (ctx): Promise<TFormatWriter> => {
  const images = new ExportImages(ctx);
  const embedded = ctx.options.images === "embedded";
  const counts = new SplitCounts();
  const subtasks = new SubtaskCounts();
  // Opened on a split's first row, one at a time (two rows of a new split may arrive together).
  const opening: Partial<Record<TSplit, Promise<SplitFile>>> = {};
  const fileFor = (split: TSplit) => (opening[split] ??= SplitFile.open(ctx, SPLIT_FILES[split]));

  const cell = async (image: TExportRow["sourceImage"]): Promise<TImageCell> =>
    embedded ? { bytes: await images.bytes(image), path: imageFileName(image) } : { bytes: null, path: await images.file(image) };

  return {
    async write(rows) {
      await inChunks(rows.filter(isGold), IMAGE_CHUNK[ctx.options.images], async (row) => goldRecord(row, await imageRefs(row, cell)), async (recs) => {
        for (const rec of recs) {
          await (await fileFor(rec.split)).push(rec);
          counts.add(rec.split);
          subtasks.add(rec.split, rec.subtask);
        }
      });
    },
    async finish() {
      // The data file must exist even when no pair qualified: an empty train split.
      if (!opening.train && !opening.validation) await fileFor("train");
      const written = (["train", "validation"] as const).filter((s) => opening[s]);
      for (const split of written) await (await fileFor(split)).finish();
      const dataFiles = written.map((s) => SPLIT_FILES[s]);
      await writeFile(path.join(ctx.dir, GOLD_CARD), goldCard(ctx, Object.fromEntries(written.map((s) => [s, SPLIT_FILES[s]])), counts.splits, subtasks));
      return { dataFile: dataFiles[0]!, files: [...dataFiles, GOLD_CARD, ...images.files()], records: counts.records, splits: { ...counts.splits } };
    },
    async abort() {
      // A split still opening is closed once open; one that failed to open has nothing to close.
      await Promise.all(Object.values(opening).map((p) => p.then((f) => f.abort(), () => undefined)));
    },
  };
};

export const GOLD_CARD = "README.md";

/** The card's YAML features: the same types as the "huggingface" metadata, in the card's spelling. */
export function goldCardFeatures(): { name: string; dtype: string }[] {
  return Object.entries(huggingFaceFeatures()).map(([name, f]) => ({ name, dtype: f._type === "Image" ? "image" : f.dtype! }));
}

/** The dataset card beside the split files: configs, features, counts per split and subtask, filters, provenance. */
export function goldCard(ctx: TWriterContext, files: Partial<Record<TSplit, string>>, counts: Record<TSplit, number>, subtasks: SubtaskCounts): string {
  const embedded = ctx.options.images === "embedded";
  const header = cardHeader([{ name: "default", files, features: goldCardFeatures(), counts }], { task_categories: ["image-to-image"], tags: ["loupe", "image-editing"] });
  const body = [
    "# Image-editing pairs checked by people",
    "",
    "Each row is an edit people accepted, or accepted with a corrected instruction: the source image, the edited image, the optional mask, and `instruction`, the instruction that describes the edit (a human re-caption where there is one; `original_instruction` is the pipeline's). Rejected edits are left out.",
    "",
    embedded
      ? "Images are embedded: `source_image`, `edited_image` and `mask_image` are `datasets` Image features holding the bytes, and decode to PIL images on access."
      : "Images are files under `images/`, referenced by `datasets` Image features whose `path` is relative to this folder: load from inside it.",
    "",
    "```python",
    "from datasets import load_dataset",
    'ds = load_dataset("parquet", data_dir="data")  # or load_dataset(".") from this folder',
    "```",
    "",
    "## Features",
    "",
    "| column | type |",
    "|---|---|",
    ...goldCardFeatures().map((f) => `| \`${f.name}\` | ${f.dtype} |`),
    "",
    "## Rows per split and subtask",
    "",
    subtasks.table(),
    "",
    provenance(ctx.about),
    "",
  ];
  return header + "\n" + body.join("\n");
}
