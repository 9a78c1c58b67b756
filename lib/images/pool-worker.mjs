// One image check, run in a worker thread of the image pool (lib/images/pool.ts), or in the calling thread
// when the pool cannot start. Plain JavaScript so a worker loads it as it is, under tsx, Vitest and a
// Next.js build alike. It answers problems as values: an Error crossing threads loses its class.
import { createHash } from "node:crypto";
import sharp from "sharp";

sharp.cache(false);
// The pool's threads are the parallelism: one libvips thread per image keeps the threads at the cores.
// (The setting is libvips' own, process-wide; the change maps and previews made in the main thread are
// small and run several at once, so they lose little by it.)
sharp.concurrency(1);

// Datasets repeat images (one source, many edits): bytes this thread has already decoded are not decoded again.
const seen = new Map();
const SEEN_MAX = 4096;

/**
 * The sha256 of the bytes, their format and displayed size, and a full decode of every pixel, so a
 * truncated or corrupt file is refused when it is stored rather than shown broken later.
 * @param {{ bytes: Uint8Array, maxPixels: number }} task
 * @returns {Promise<{ sha256: string, format?: string, width?: number, height?: number, problem?: string }>}
 */
export async function checkImageBytes({ bytes, maxPixels }) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sha256 = createHash("sha256").update(buf).digest("hex");
  if (buf.length === 0) return { sha256, problem: "empty" };
  const known = seen.get(sha256);
  if (known) return { sha256, ...known };
  try {
    const meta = await sharp(buf, { limitInputPixels: maxPixels }).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!meta.format || !width || !height) return { sha256, problem: "no format or size" };
    if (width * height > maxPixels) return { sha256, format: meta.format, width, height, problem: "pixel limit" };
    // stats() streams every pixel through the decoder without holding the decoded image.
    await sharp(buf, { limitInputPixels: maxPixels }).stats();
    if (seen.size >= SEEN_MAX) seen.delete(seen.keys().next().value);
    seen.set(sha256, { format: meta.format, width, height });
    return { sha256, format: meta.format, width, height };
  } catch (err) {
    return { sha256, problem: err instanceof Error ? err.message : String(err) };
  }
}

export default checkImageBytes;
