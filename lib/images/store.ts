import "server-only";
import { createHash } from "node:crypto";
import sharp, { type Metadata } from "sharp";
import type { Db } from "@/lib/db/connect";
import { asStorage, bucketStorage } from "../storage/config";
import { imageKey, parseObjectUrl } from "../storage/keys";
import { readObject } from "../storage/read";
import { fetchConfigFromEnv, ImageRefError, isWebLocation, loadImageBytes } from "./resolve";
import type { Storage } from "../storage/types";

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

/** The stored bytes of an image (original, preview or change map); throws when the store has lost them. */
export async function readImage(store: Storage | string, sha256: string): Promise<Buffer> {
  const bytes = await readObject(asStorage(store), imageKey(sha256));
  if (!bytes) throw new Error(`Image ${sha256} is missing from storage (${asStorage(store).location}).`);
  return bytes;
}

/**
 * An image's bytes wherever they live: an original referenced in place (its `images.location`) from its
 * own bucket (s3://bucket/key) or its own web address, anything else from the store. Null when they are
 * gone — for a web address also when it answers with other bytes than the ones imported.
 */
export async function readImageBytes(store: Storage | string, sha256: string, location: string | null): Promise<Buffer | null> {
  if (location && isWebLocation(location)) return readWebImage(location, sha256);
  const inPlace = location ? parseObjectUrl(location) : null;
  if (inPlace) return readObject(bucketStorage(inPlace.bucket), inPlace.key);
  return readObject(asStorage(store), imageKey(sha256));
}

// Read through the same SSRF guard and limits as the import's fetch, once (a page waiting on an image does
// not wait out an origin's Retry-After), and checked against the hash the pair was labelled on.
async function readWebImage(url: string, sha256: string): Promise<Buffer | null> {
  const cfg = { ...fetchConfigFromEnv(), imageRoot: null, retry: { attempts: 1, maxWaitMs: 0, baseDelayMs: 0 } };
  try {
    return await loadImageBytes({ kind: "url", url, sha256 }, cfg);
  } catch (err) {
    if (err instanceof ImageRefError) return null;
    throw err;
  }
}

/** The in-place location of each of these images that has one (see readImageBytes). */
export async function imageLocations(db: Db, shas: string[]): Promise<Map<string, string>> {
  const rows = await db.query<{ sha256: string; location: string }>(
    "SELECT sha256, location FROM images WHERE sha256 = ANY($1::bpchar[]) AND location IS NOT NULL",
    [shas],
  );
  return new Map(rows.map((r) => [r.sha256.trim(), r.location]));
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

/** The `images` row of an original kept where it is (s3://bucket/key): checked, hashed, not copied. */
export async function putImageRow(db: Db, bytes: Buffer, location: string, opts: { checked?: StoredImage } = {}): Promise<StoredImage> {
  // `checked`: as for putImage.
  const info = opts.checked ?? (await inspectImage(bytes));
  const sha256 = opts.checked?.sha256 ?? createHash("sha256").update(bytes).digest("hex");
  const stored: StoredImage = { sha256, width: info.width, height: info.height, mime: info.mime, byteSize: bytes.length };
  await db.prisma.image.createMany({ data: [{ ...stored, location }], skipDuplicates: true });
  return stored;
}

/**
 * Stores the bytes content-addressed (written once, atomically) with their `images` row; safe concurrently.
 * `store` is the Storage, or (local folder) the data directory's path.
 */
export async function putImage(
  db: Db,
  store: Storage | string,
  bytes: Buffer,
  opts: { mime?: string; checked?: StoredImage } = {},
): Promise<StoredImage> {
  // `checked`: the image pool (pool.ts) has hashed and decoded these bytes already.
  const info = opts.checked ?? (await inspectImage(bytes));
  const sha256 = opts.checked?.sha256 ?? createHash("sha256").update(bytes).digest("hex");
  // The sniffed type wins; a caller's mime is only a fallback hint for formats sharp names oddly.
  const mime = info.mime || opts.mime || "application/octet-stream";
  const storage = asStorage(store);
  const key = imageKey(sha256);
  // Content-addressed: an object already under its hash holds these bytes (a concurrent writer is harmless).
  if (!(await storage.head(key))) await storage.put(key, bytes, { sha256, contentType: mime });
  const stored: StoredImage = { sha256, width: info.width, height: info.height, mime, byteSize: bytes.length };
  await db.prisma.image.createMany({ data: [stored], skipDuplicates: true });
  return stored;
}
