// Untimed inputs of bench:import: an image pool referenced by path, a JSONL manifest reusing it (and its
// rows as TSV for COPY), and ScaleEdit-layout Parquet shards. All seeded: same sizes, same bytes.
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { ParquetWriter, fileWriter, schemaFromColumnData, type ColumnSource } from "hyparquet-writer";
import sharp from "sharp";
import { mulberry32 } from "../../scripts/demo/scenes";
import { SCALEEDIT_TAXONOMY } from "../../lib/imports/presets";
import { writeScaleEditShard } from "../../test/support/parquet-shard";

const rng = mulberry32;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

const OBJECTS = ["red umbrella", "wooden chair", "parked bicycle", "coffee mug", "street lamp", "potted plant", "vintage car", "golden retriever", "paper kite", "glass vase", "leather sofa", "stop sign", "sailboat", "park bench", "teddy bear", "laptop", "fire hydrant", "bowl of oranges", "yellow taxi", "wall clock"];
const PLACES = ["on the left", "on the right", "in the foreground", "in the background", "near the window", "on the table", "by the door", "in the lower corner", "next to the tree", "at the centre of the frame"];
const SCENES = ["city street", "kitchen", "mountain lake", "living room", "beach at dusk", "office desk", "forest path", "market square", "train platform", "garden"];
const STYLES = ["a watercolour painting", "Van Gogh's Starry Night", "a 1950s comic book", "ukiyo-e woodblock prints", "a pencil sketch", "pixel art", "a Pixar film still", "an oil painting by Monet", "a neon cyberpunk poster", "a faded polaroid"];
const COLORS = ["deep blue", "bright red", "pastel pink", "emerald green", "matte black", "mustard yellow", "teal", "burnt orange", "lavender", "silver"];
const MATERIALS = ["polished marble", "brushed steel", "woven rattan", "clear glass", "rough concrete", "knitted wool", "carved oak", "shiny gold", "terracotta", "translucent ice"];
const BACKGROUNDS = ["a snowy mountain range", "a busy Tokyo crossing", "a plain white studio wall", "a sunlit wheat field", "a starry night sky", "an old library", "a tropical beach", "a foggy harbour"];
const MOODS = ["warmer and more nostalgic", "cold and moody", "bright and airy", "dramatic and high-contrast", "soft and dreamy"];
const TONE_OPS = ["lift the shadows", "lower the highlights", "add a slight teal tint", "increase the saturation a little", "reduce the contrast", "warm up the white balance", "add gentle film grain"];
const VIEWS = ["a bird's-eye view", "a low angle near the ground", "the opposite side", "a three-quarter view from the left", "much further away"];
const ACTIONS = ["wave at the camera", "sit on the steps", "hold an umbrella", "jump in the air", "read a newspaper", "point at the sky", "ride a bicycle"];
const PEOPLE = ["woman in the red coat", "man with the hat", "child on the left", "runner", "chef", "old man on the bench"];
const WORDS = ["OPEN", "SALE", "HELLO", "LOUPE", "FRESH", "EXIT", "CAFE", "2049", "WELCOME", "NO PARKING"];
const TITLES = ["The Last Harbour", "Midnight Circuit", "Paper Moons", "Iron Orchard", "A Quiet Storm", "Glass City"];
const SUFFIXES = [
  ", keeping the lighting unchanged",
  " without touching anything else",
  ", and keep the shadows consistent",
  " while preserving the perspective",
  ", leaving the rest of the image as it is",
];

const TEMPLATES: Record<string, ((r: Rand) => string)[]> = {
  style_transfer: [(r) => `Render the whole ${pick(r, SCENES)} in the style of ${pick(r, STYLES)}, keeping the composition recognisable`],
  tone_adjustment: [(r) => `Make the photo feel ${pick(r, MOODS)}: ${pick(r, TONE_OPS)} and ${pick(r, TONE_OPS)}`],
  viewpoint_transformation: [(r) => `Show the same ${pick(r, SCENES)} from ${pick(r, VIEWS)}, keeping the ${pick(r, OBJECTS)} in frame`],
  background_replacement: [(r) => `Replace the background behind the ${pick(r, OBJECTS)} with ${pick(r, BACKGROUNDS)}`],
  addition: [(r) => `Add a ${pick(r, OBJECTS)} ${pick(r, PLACES)}, matching the scene's lighting and casting a soft shadow`],
  removal: [(r) => `Remove the ${pick(r, OBJECTS)} ${pick(r, PLACES)} and fill the gap so it matches the surroundings`],
  replacement: [(r) => `Replace the ${pick(r, OBJECTS)} ${pick(r, PLACES)} with a ${pick(r, OBJECTS)} of similar size`],
  action_editing: [(r) => `Make the ${pick(r, PEOPLE)} ${pick(r, ACTIONS)} instead, without changing their clothes`],
  part_extraction: [(r) => `Extract the ${pick(r, OBJECTS)} ${pick(r, PLACES)} onto a plain ${pick(r, COLORS)} background`],
  color: [(r) => `Change the colour of the ${pick(r, OBJECTS)} ${pick(r, PLACES)} to ${pick(r, COLORS)}, keeping its texture`],
  material: [(r) => `Make the ${pick(r, OBJECTS)} look like it is made of ${pick(r, MATERIALS)}`],
  visual_beautification: [(r) => `Retouch the portrait of the ${pick(r, PEOPLE)}: ${pick(r, TONE_OPS)} and smooth the skin slightly`],
  count: [(r) => `Make it ${2 + Math.floor(r() * 5)} ${pick(r, OBJECTS)}s ${pick(r, PLACES)} instead of one, evenly spaced`],
  size: [(r) => `Make the ${pick(r, OBJECTS)} ${pick(r, PLACES)} about ${pick(r, ["twice as large", "half as big", "a third smaller", "three times larger"])}`],
  movie_poster: [(r) => `Change the title on the movie poster to "${pick(r, TITLES)}" in a bold ${pick(r, COLORS)} font`],
  gui_interface: [(r) => `On the app screen, rename the main button to "${pick(r, WORDS)}" and make it ${pick(r, COLORS)}`],
  object_surface: [(r) => `Print the word "${pick(r, WORDS)}" on the side of the ${pick(r, OBJECTS)} in ${pick(r, COLORS)} letters`],
  building_surface: [(r) => `Paint "${pick(r, WORDS)}" across the building facade in large ${pick(r, COLORS)} letters`],
  perceptual_reasoning: [(r) => `Show what the ${pick(r, SCENES)} would look like ten years later, after nobody looked after it`],
  symbolic_reasoning: [(r) => `Solve the sum on the whiteboard and write the answer ${10 + Math.floor(r() * 90)} under it in ${pick(r, COLORS)} marker`],
  social_reasoning: [(r) => `Make the people in the ${pick(r, SCENES)} look like they just heard some very good news`],
  scientific_reasoning: [(r) => `Show the ${pick(r, OBJECTS)} after a night outside in freezing rain, as it would really look`],
  compositional_editing: [(r) => `Add a ${pick(r, OBJECTS)} ${pick(r, PLACES)} and turn the ${pick(r, OBJECTS)} ${pick(r, COLORS)}`],
};

/** A 60–120 character instruction for the subtask, varied by the random source. */
export function instruction(r: Rand, subtask: string): string {
  const templates = TEMPLATES[subtask] ?? TEMPLATES.addition!;
  for (let attempt = 0; attempt < 8; attempt++) {
    let s = pick(r, templates)(r);
    while (s.length < 60) s += pick(r, SUFFIXES);
    if (s.length + 1 <= 120) return `${s}.`;
  }
  // Long picks eight times in a row: cut at a word boundary.
  const s = pick(r, templates)(r).slice(0, 119);
  return `${s.slice(0, s.lastIndexOf(" "))}.`;
}

export const TAXONOMY: { family: number; task: string; sub: number; subtask: string }[] = Object.entries(SCALEEDIT_TAXONOMY).flatMap(
  ([task, subs], family) => subs.map((subtask, sub) => ({ family: family + 1, task, sub: sub + 1, subtask })),
);

// ---- Images: a gradient, flat shapes and light noise from the seed; the edited image has one rectangle
// repainted, so every pair has a real (and different) change map.

function paint(size: number, seed: number, edited: boolean, noise: number): Uint8ClampedArray {
  const r = rng(seed * 2654435761);
  const px = new Uint8ClampedArray(size * size * 3); // clamps and rounds on store
  const [a0, a1, a2] = [r() * 255, r() * 255, r() * 255];
  const [b0, b1, b2] = [r() * 255, r() * 255, r() * 255];
  const angle = r() * Math.PI * 2;
  const dx = Math.cos(angle) / size;
  const dy = Math.sin(angle) / size;
  const span = 2 * noise + 1;
  let ns = (seed * 2246822519 + 1) >>> 0 || 1;
  for (let y = 0; y < size; y++) {
    const ty = 0.5 + (y - size / 2) * dy;
    for (let x = 0; x < size; x++) {
      const t = Math.min(1, Math.max(0, ty + (x - size / 2) * dx));
      const o = (y * size + x) * 3;
      let n0 = 0;
      let n1 = 0;
      let n2 = 0;
      if (noise) {
        ns ^= ns << 13;
        ns ^= ns >>> 17;
        ns ^= ns << 5;
        const u = ns >>> 0;
        n0 = (u & 0x3ff) % span - noise;
        n1 = ((u >>> 10) & 0x3ff) % span - noise;
        n2 = ((u >>> 20) & 0x3ff) % span - noise;
      }
      px[o] = a0 + (b0 - a0) * t + n0;
      px[o + 1] = a1 + (b1 - a1) * t + n1;
      px[o + 2] = a2 + (b2 - a2) * t + n2;
    }
  }
  const fill = (x0: number, y0: number, w: number, h: number, col: number[], circle: boolean) => {
    const cx = x0 + w / 2;
    const cy = y0 + h / 2;
    for (let y = Math.max(0, y0); y < Math.min(size, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(size, x0 + w); x++) {
        if (circle && ((x - cx) / (w / 2)) ** 2 + ((y - cy) / (h / 2)) ** 2 > 1) continue;
        const o = (y * size + x) * 3;
        px[o] = col[0]!;
        px[o + 1] = col[1]!;
        px[o + 2] = col[2]!;
      }
    }
  };
  const shapes = 3 + Math.floor(r() * 4);
  for (let i = 0; i < shapes; i++) {
    const w = Math.floor(size * (0.1 + r() * 0.3));
    const h = Math.floor(size * (0.1 + r() * 0.3));
    fill(Math.floor(r() * size), Math.floor(r() * size), w, h, [r() * 255, r() * 255, r() * 255], r() < 0.5);
  }
  // The edit: always drawn from the same random draws, painted only in the edited image.
  const ew = Math.floor(size * (0.15 + r() * 0.25));
  const eh = Math.floor(size * (0.15 + r() * 0.25));
  const ex = Math.floor(r() * (size - ew));
  const ey = Math.floor(r() * (size - eh));
  const ecol = [r() * 255, r() * 255, r() * 255];
  if (edited) fill(ex, ey, ew, eh, ecol, r() < 0.5);
  return px;
}

export async function encodeImage(size: number, seed: number, edited: boolean, format: "png" | "jpeg", noise = 0): Promise<Buffer> {
  const img = sharp(Buffer.from(paint(size, seed, edited, noise).buffer), { raw: { width: size, height: size, channels: 3 } });
  return format === "png" ? img.png({ compressionLevel: 6 }).toBuffer() : img.jpeg({ quality: 85 }).toBuffer();
}

export async function forEachLimit(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

export interface PoolPaths {
  source: string;
  edited: string;
}

/** The image pool under root: pair k is images/<k/100>/s<k>.png and e<k>.jpg, 256×256. */
export async function writeImagePool(root: string, count: number, concurrency: number): Promise<{ pool: PoolPaths[]; bytes: number }> {
  const pool: PoolPaths[] = [];
  let bytes = 0;
  for (let k = 0; k < count; k++) {
    const dir = `images/${String(Math.floor(k / 100)).padStart(3, "0")}`;
    pool.push({ source: `${dir}/s${String(k).padStart(5, "0")}.png`, edited: `${dir}/e${String(k).padStart(5, "0")}.jpg` });
  }
  for (let d = 0; d * 100 < count; d++) await mkdir(path.join(root, `images/${String(d).padStart(3, "0")}`), { recursive: true });
  await forEachLimit(count, concurrency, async (k) => {
    const [s, e] = await Promise.all([encodeImage(256, 1_000_000 + k, false, "png"), encodeImage(256, 1_000_000 + k, true, "jpeg", 3)]);
    await Promise.all([writeFile(path.join(root, pool[k]!.source), s), writeFile(path.join(root, pool[k]!.edited), e)]);
    bytes += s.length + e.length;
  });
  return { pool, bytes };
}

async function write(out: WriteStream, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, "drain");
}

async function close(out: WriteStream): Promise<void> {
  out.end();
  await once(out, "finish");
}

/** The manifest (JSONL, path references into the pool) and the same rows as TSV for COPY; row i uses pair i % pool. */
export async function writeManifest(jsonlFile: string, tsvFile: string, rows: number, pool: PoolPaths[]): Promise<void> {
  const jsonl = createWriteStream(jsonlFile);
  const tsv = createWriteStream(tsvFile);
  const r = rng(42);
  let j = "";
  let t = "";
  for (let i = 0; i < rows; i++) {
    const p = pool[i % pool.length]!;
    const tx = pick(r, TAXONOMY);
    const id = `m${String(i).padStart(8, "0")}`;
    const text = instruction(r, tx.subtask);
    j += `${JSON.stringify({ id, instruction: text, source: p.source, edited: p.edited, task: tx.task, subtask: tx.subtask })}\n`;
    t += `${id}\t${text}\t${p.source}\t${p.edited}\t${tx.task}\t${tx.subtask}\n`;
    if (j.length > 1 << 20) {
      await Promise.all([write(jsonl, j), write(tsv, t)]);
      j = "";
      t = "";
    }
  }
  await Promise.all([write(jsonl, j), write(tsv, t)]);
  await Promise.all([close(jsonl), close(tsv)]);
}

/**
 * A ScaleEdit-layout Parquet shard with its own `size`×`size` JPEGs in every row, written a row group at a
 * time; `keep` receives the first pairs' bytes (for a ceiling measured on the same images).
 */
export async function writeScaleEditParquet(
  file: string,
  pairs: number,
  groupSize: number,
  concurrency: number,
  opts: { size?: number; keep?: (source: Buffer, edited: Buffer) => boolean } = {},
): Promise<{ imageBytes: number }> {
  const size = opts.size ?? 512;
  let writer: ParquetWriter | undefined;
  let imageBytes = 0;
  const r = rng(7);
  for (let start = 0; start < pairs; start += groupSize) {
    const n = Math.min(groupSize, pairs - start);
    const src = new Array<Uint8Array>(n);
    const edt = new Array<Uint8Array>(n);
    await forEachLimit(n, concurrency, async (k) => {
      const seed = 2_000_000 + start + k;
      const [s, e] = await Promise.all([encodeImage(size, seed, false, "jpeg", 6), encodeImage(size, seed, true, "jpeg", 6)]);
      src[k] = new Uint8Array(s.buffer, s.byteOffset, s.byteLength);
      edt[k] = new Uint8Array(e.buffer, e.byteOffset, e.byteLength);
      imageBytes += s.length + e.length;
    });
    for (let k = 0; k < n && opts.keep; k++) {
      if (!opts.keep(Buffer.from(src[k]!), Buffer.from(edt[k]!))) opts.keep = undefined;
    }
    const ids: bigint[] = [];
    const tasks: string[] = [];
    const texts: string[] = [];
    const sizes: number[] = [];
    const scores: number[][] = [[], [], []];
    for (let k = 0; k < n; k++) {
      const tx = pick(r, TAXONOMY);
      ids.push(BigInt(9_000_000_000 + start + k));
      tasks.push(`${tx.family}.${tx.sub}_${tx.task}_${tx.subtask}`);
      texts.push(instruction(r, tx.subtask));
      sizes.push(size);
      for (const s of scores) s.push(1 + Math.floor(r() * 3));
    }
    const columnData: ColumnSource[] = [
      { name: "id", data: ids, type: "INT64" },
      { name: "edit_task", data: tasks, type: "STRING" },
      { name: "edit_instruction", data: texts, type: "STRING" },
      { name: "source_image", data: src, type: "BYTE_ARRAY", statistics: false },
      { name: "edited_image", data: edt, type: "BYTE_ARRAY", statistics: false },
      { name: "source_image_width", data: sizes, type: "INT32" },
      { name: "source_image_height", data: sizes, type: "INT32" },
      { name: "edited_image_width", data: sizes, type: "INT32" },
      { name: "edited_image_height", data: sizes, type: "INT32" },
      { name: "instruction_following_score", data: scores[0]!, type: "INT32" },
      { name: "editing_consistency_score", data: scores[1]!, type: "INT32" },
      { name: "generation_quality_score", data: scores[2]!, type: "INT32" },
    ];
    writer ??= new ParquetWriter({ writer: fileWriter(file), schema: schemaFromColumnData({ columnData }) });
    await writer.write({ columnData, rowGroupSize: n });
  }
  await writer?.finish();
  return { imageBytes };
}

/**
 * A ScaleEdit shard as released at a size no Buffer can hold: ONE row group, small pages, no page index,
 * pages v1 or v2, 1 row in 17 without source bytes (and without a URL: no server here could answer it, so
 * those rows stay invalid). The images are a repeated pool (the store dedupes them), so generating it
 * costs writing the bytes, not encoding them.
 */
export async function writeGiantShard(
  file: string,
  opts: { imageBytes: number; poolSize: number; pageVersion: 1 | 2 },
): Promise<{ rows: number; imageBytes: number; nullSources: number }> {
  const pool: Uint8Array[] = [];
  await forEachLimit(opts.poolSize, 2, async (k) => {
    const b = await encodeImage(1024, 3_000_000 + k, k % 2 === 1, "jpeg", 24);
    pool[k] = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  });
  const average = pool.reduce((s, b) => s + b.length, 0) / pool.length;
  // Each row carries an edited image and, but for 1 row in 17, a source image.
  const rows = Math.ceil(opts.imageBytes / (average * (2 - 1 / 17))) + 17;
  const written = await writeScaleEditShard(file, { rows, pool, nullSource: (i) => i % 17 === 5, pageVersion: opts.pageVersion });
  return { rows, ...written };
}
