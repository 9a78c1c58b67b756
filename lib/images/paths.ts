import path from "node:path";

// Where stored images live, without loading sharp (libvips, heavy): the export job and image route need only paths.

const SHA256_RE = /^[0-9a-f]{64}$/;

export function imagesDir(dataDir: string): string {
  return path.join(dataDir, "images");
}

export function isSha256(value: string): boolean {
  return SHA256_RE.test(value);
}

/** Where the image with this sha256 lives. Throws on anything but 64 lowercase hex (no path tricks). */
export function imagePath(dataDir: string, sha: string): string {
  if (typeof sha !== "string" || !SHA256_RE.test(sha)) {
    throw new Error(`Not a sha256 (expected 64 lowercase hex characters): ${JSON.stringify(String(sha).slice(0, 80))}`);
  }
  return path.join(imagesDir(dataDir), sha.slice(0, 2), sha);
}
