import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp, { type Metadata } from "sharp";
import type { Db } from "@/lib/db/connect";

/** Images larger than this many pixels are refused (decompression-bomb guard). */
export const MAX_INPUT_PIXELS = 100_000_000;

/** The bytes given to putImage are not an image sharp can read (or are too large to decode safely). */
export class InvalidImageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "InvalidImageError";
  }
}

export interface StoredImage {
  sha256: string;
  width: number;
  height: number;
  mime: string;
  byteSize: number;
}

export const MIME_BY_FORMAT: Record<string, string> = {
  jpeg: "image/jpeg",
  jpg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  avif: "image/avif",
  heif: "image/heif",
  tiff: "image/tiff",
  // No SVG: it can carry script, and images are served from Loupe's own origin.
  bmp: "image/bmp",
};

// Paths live in paths.ts (no sharp), so code that only locates images need not load libvips.
export { imagePath, imagesDir, isSha256 } from "./paths";
import { imagePath } from "./paths";

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

export async function inspectImage(bytes: Buffer): Promise<{ width: number; height: number; mime: string }> {
  if (!bytes || bytes.length === 0) throw new InvalidImageError("Empty file is not an image");
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch (err) {
    throw new InvalidImageError(`Not a readable image: ${(err as Error).message}`, { cause: err });
  }
  const { width, height, format } = meta;
  if (!format || !width || !height) throw new InvalidImageError("Not a readable image: no format or size");
  if (width * height > MAX_INPUT_PIXELS) {
    throw new InvalidImageError(`Image too large: ${width}x${height} exceeds ${MAX_INPUT_PIXELS} pixels`);
  }
  const mime = MIME_BY_FORMAT[format];
  if (!mime) throw new InvalidImageError(`Unsupported image format: ${format}`);
  return { width, height, mime };
}

/** Stores the bytes content-addressed (written once, atomically) with their `images` row; safe concurrently. */
export async function putImage(
  db: Db,
  dataDir: string,
  bytes: Buffer,
  opts: { mime?: string; checked?: StoredImage } = {},
): Promise<StoredImage> {
  // `checked`: the image pool (pool.ts) has hashed and decoded these bytes already.
  const info = opts.checked ?? (await inspectImage(bytes));
  const sha256 = opts.checked?.sha256 ?? createHash("sha256").update(bytes).digest("hex");
  const file = imagePath(dataDir, sha256);
  if (!(await exists(file))) {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, bytes, { flag: "wx" });
      await rename(tmp, file); // atomic on one filesystem; a concurrent writer of the same bytes is harmless
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }
  // The sniffed type wins; a caller's mime is only a fallback hint for formats sharp names oddly.
  const mime = info.mime || opts.mime || "application/octet-stream";
  const stored: StoredImage = { sha256, width: info.width, height: info.height, mime, byteSize: bytes.length };
  await db.prisma.image.createMany({ data: [stored], skipDuplicates: true });
  return stored;
}
