import sharp from "sharp";
import type { SchemaElement } from "hyparquet-writer";

// Pieces for fixtures in the layouts datasets publish (docs: ../shared/docs/DATASETS.md).

/** A PNG of noise, distinct per seed, that gzip barely shrinks: an archive's bytes are then mostly image bodies. */
export async function noisePng(seed: number, size = 72): Promise<Buffer> {
  const raw = Buffer.alloc(size * size * 3);
  let x = (seed + 1) * 2654435761;
  for (let i = 0; i < raw.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    raw[i] = x >>> 24;
  }
  return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).png().toBuffer();
}

export const opt = (name: string, type: SchemaElement["type"], extra: Partial<SchemaElement> = {}): SchemaElement => ({
  name,
  type,
  repetition_type: "OPTIONAL",
  ...extra,
});
export const str = (name: string): SchemaElement => opt(name, "BYTE_ARRAY", { converted_type: "UTF8" });
/** A Hugging Face Image column: struct {bytes: binary, path: string}. */
export const imageStruct = (name: string): SchemaElement[] => [{ name, repetition_type: "OPTIONAL", num_children: 2 }, opt("bytes", "BYTE_ARRAY"), str("path")];
/** list<string>, as Arrow writes it. */
export const strList = (name: string): SchemaElement[] => [
  { name, repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  str("element"),
];
