import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ParquetWriter, type ColumnSource, type SchemaElement } from "hyparquet-writer";
import { ParquetFileSink } from "./sink";

// A Parquet file of a Hugging Face dataset with nested columns: chat messages whose content is a list of
// typed parts, and a list of images in the `datasets` Image storage {bytes, path}. The features go in the
// "huggingface" key of the file's metadata, the way `datasets` writes them, so `load_dataset("parquet")`
// decodes the images to PIL without a cast. Every field is OPTIONAL and lists use the three-level LIST
// layout with `element`, which is what Arrow-based readers (pyarrow, DuckDB) expect.

export type TColumnKind = "string" | "messages" | "images";
export interface TDatasetColumn {
  name: string;
  kind: TColumnKind;
}

export type TImageCell = { bytes: Uint8Array; path: string };

/** Rows per row group at most; groups also close at this many image bytes (the Hub viewer's comfort). */
export const DATASET_ROW_GROUP_ROWS = 1024;
export const DATASET_ROW_GROUP_IMAGE_BYTES = 32 << 20;

const utf8 = (name: string): SchemaElement => ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" });
const list = (name: string, element: SchemaElement[], children: number): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "OPTIONAL", num_children: children },
  ...element,
];

function columnSchema(c: TDatasetColumn): SchemaElement[] {
  if (c.kind === "string") return [utf8(c.name)];
  if (c.kind === "images") return list(c.name, [{ name: "bytes", type: "BYTE_ARRAY", repetition_type: "OPTIONAL" }, utf8("path")], 2);
  return list(c.name, [utf8("role"), ...list("content", [utf8("type"), utf8("text")], 2)], 2);
}

const VALUE_STRING = { dtype: "string", _type: "Value" } as const;

/** The `datasets` features of the columns; a JSON list is `datasets`' spelling of a list feature in every version. */
export function datasetFeatures(columns: readonly TDatasetColumn[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) {
    if (c.kind === "string") out[c.name] = VALUE_STRING;
    else if (c.kind === "images") out[c.name] = [{ _type: "Image" }];
    else out[c.name] = [{ role: VALUE_STRING, content: [{ type: VALUE_STRING, text: VALUE_STRING }] }];
  }
  return out;
}

/** The same features as the YAML `dataset_info.features` list of a dataset card. */
export function cardFeatures(columns: readonly TDatasetColumn[]): unknown[] {
  const value = (name: string) => ({ name, dtype: "string" });
  return columns.map((c) => {
    if (c.kind === "string") return value(c.name);
    if (c.kind === "images") return { name: c.name, list: "image" };
    return { name: c.name, list: [value("role"), { name: "content", list: [value("type"), value("text")] }] };
  });
}

export class DatasetParquetFile<R extends Record<string, unknown>> {
  private rows: R[] = [];
  private imageBytes = 0;
  private count = 0;

  private constructor(
    readonly rel: string,
    private readonly columns: readonly TDatasetColumn[],
    private readonly sink: ParquetFileSink,
    private readonly pq: ParquetWriter,
  ) {}

  static async open<R extends Record<string, unknown>>(dir: string, rel: string, columns: readonly TDatasetColumn[], loupe: Record<string, unknown>): Promise<DatasetParquetFile<R>> {
    const file = path.join(dir, rel);
    await mkdir(path.dirname(file), { recursive: true });
    const sink = await ParquetFileSink.create(file);
    const schema: SchemaElement[] = [{ name: "schema", num_children: columns.length }, ...columns.flatMap(columnSchema)];
    const pq = new ParquetWriter({
      writer: sink,
      schema,
      kvMetadata: [
        { key: "huggingface", value: JSON.stringify({ info: { features: datasetFeatures(columns) } }) },
        { key: "loupe", value: JSON.stringify(loupe) },
      ],
      createdBy: "Loupe export (hyparquet-writer)",
    });
    return new DatasetParquetFile<R>(rel, columns, sink, pq);
  }

  get rowCount(): number {
    return this.count;
  }

  async push(row: R): Promise<void> {
    this.rows.push(row);
    this.count++;
    for (const c of this.columns) {
      if (c.kind === "images") for (const cell of row[c.name] as TImageCell[]) this.imageBytes += cell.bytes.byteLength;
    }
    if (this.rows.length >= DATASET_ROW_GROUP_ROWS || this.imageBytes >= DATASET_ROW_GROUP_IMAGE_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    this.rows = [];
    this.imageBytes = 0;
    const columnData = this.columns.map((c): ColumnSource => {
      const data = rows.map((r) => r[c.name]) as ColumnSource["data"];
      // Image files are compressed already, and min/max statistics of their bytes mean nothing.
      return c.kind === "images" ? { name: c.name, data, codec: "UNCOMPRESSED", statistics: false } : { name: c.name, data };
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
