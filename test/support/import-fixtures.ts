import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

/** A small PNG: a flat colour with a square of another colour at (x, y). Distinct args → distinct bytes. */
export async function pngBytes(opts: { size?: number; bg: [number, number, number]; square?: { x: number; y: number; w: number; rgb: [number, number, number] } }): Promise<Buffer> {
  const size = opts.size ?? 64;
  const img = sharp({ create: { width: size, height: size, channels: 3, background: { r: opts.bg[0], g: opts.bg[1], b: opts.bg[2] } } });
  if (!opts.square) return img.png().toBuffer();
  const sq = await sharp({ create: { width: opts.square.w, height: opts.square.w, channels: 3, background: { r: opts.square.rgb[0], g: opts.square.rgb[1], b: opts.square.rgb[2] } } }).png().toBuffer();
  return img.composite([{ input: sq, left: opts.square.x, top: opts.square.y }]).png().toBuffer();
}

export async function writeImagePairs(root: string, n: number): Promise<{ source: string; edited: string }[]> {
  await mkdir(path.join(root, "images"), { recursive: true });
  const out = [];
  for (let i = 0; i < n; i++) {
    const bg: [number, number, number] = [(i * 37) % 256, (i * 91) % 256, (i * 53) % 256];
    const src = await pngBytes({ bg });
    const edit = await pngBytes({ bg, square: { x: 16, y: 16, w: 24, rgb: [255 - bg[0], 255 - bg[1], 255 - bg[2]] } });
    const s = `images/src-${i}.png`;
    const e = `images/edit-${i}.png`;
    await writeFile(path.join(root, s), src);
    await writeFile(path.join(root, e), edit);
    out.push({ source: s, edited: e });
  }
  return out;
}
