import "server-only";
import type { Db } from "../db/connect";
import { asStorage } from "../storage/config";
import { imageKey } from "../storage/keys";
import type { Storage } from "../storage/types";
import { computeChangeMap, makePreview } from "./derive";
import { imageLocations, InvalidImageError, putImage, readImageBytes } from "./store";

// Derivatives made after the import (decision 015): a stored image's preview, made and recorded once, by
// the derivative workers or by the image route on first need, whichever comes first; and a pair's change
// map. Both are keyed by content and stored content-addressed, so two processes making the same one at
// once write the same bytes and the same row values: nothing here depends on who wins. Bytes are read and
// written through the store (decision 017); an original referenced in place is read from its own bucket.
// `store` is the Storage, or (local folder) the data directory's path.

// Requests for one image's preview at once (a page showing it twice, a worker and the route) share one make.
const making = new Map<string, Promise<string | null>>();

/**
 * The sha256 of what the browser should be shown for a stored image: its preview (made and stored now if
 * it has none yet), or the image itself when it shows as it is. Null when the image is not in the store.
 * An image libvips cannot read is its own preview: the original stays one click away for a person to judge.
 */
export function ensurePreview(db: Db, store: Storage | string, sha256: string): Promise<string | null> {
  let p = making.get(sha256);
  if (!p) {
    p = makeIfMissing(db, asStorage(store), sha256).finally(() => making.delete(sha256));
    making.set(sha256, p);
  }
  return p;
}

async function makeIfMissing(db: Db, storage: Storage, sha256: string): Promise<string | null> {
  const [row] = await db.query<{ preview_sha256: string | null; location: string | null }>(
    "SELECT preview_sha256, location FROM images WHERE sha256 = $1",
    [sha256],
    "loupe_image_location",
  );
  if (!row) return null;
  const known = row.preview_sha256?.trim();
  // A preview is always stored (never in place), so asking the store is enough.
  if (known && (known === sha256 || (await storage.head(imageKey(known))) !== null)) return known;
  const bytes = await readImageBytes(storage, sha256, row.location);
  if (!bytes) return null;
  let preview;
  try {
    preview = await makePreview(bytes);
  } catch (err) {
    if (err instanceof InvalidImageError) return sha256;
    throw err;
  }
  let previewSha = sha256;
  if (preview) {
    const stored = await putImage(db, storage, preview.bytes);
    previewSha = stored.sha256;
    // A preview is its own preview, so asking for it never makes a preview of a preview.
    await db.query("UPDATE images SET preview_sha256 = $1 WHERE sha256 = $1 AND preview_sha256 IS NULL", [previewSha]);
  }
  await db.query("UPDATE images SET preview_sha256 = $2 WHERE sha256 = $1", [sha256, previewSha]);
  return previewSha;
}

export interface TPairChange {
  heatmap: string;
  changedFraction: number;
  ssim: number;
  changeOutsideMask: number | null;
}

/**
 * The change map between two stored images (their previews: the statistics grid is far smaller than
 * either) and an optional mask, with the heatmap stored as an image. Throws InvalidImageError when an
 * image cannot be read or is missing from the store.
 */
export async function makeChangeMap(db: Db, store: Storage | string, source: string, edited: string, mask: string | null): Promise<TPairChange> {
  const storage = asStorage(store);
  // A small original is its own preview, and a mask is used as given: any of the three may be in place.
  const where = await imageLocations(db, mask ? [source, edited, mask] : [source, edited]);
  const read = (sha: string) => readImageBytes(storage, sha, where.get(sha) ?? null);
  const [a, b, m] = await Promise.all([read(source), read(edited), mask ? read(mask) : null]);
  if (!a || !b || (mask && !m)) throw new InvalidImageError("an image of the pair is missing from the image store");
  const map = await computeChangeMap(a, b, m);
  const heat = await putImage(db, storage, map.heatmap);
  await db.query("UPDATE images SET preview_sha256 = $1 WHERE sha256 = $1 AND preview_sha256 IS NULL", [heat.sha256]);
  return { heatmap: heat.sha256, changedFraction: map.changedFraction, ssim: map.ssim, changeOutsideMask: map.changeOutsideMask };
}
