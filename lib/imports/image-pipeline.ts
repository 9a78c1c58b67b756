import "server-only";
import type { Db } from "../db/connect";
import { putImage, putImageRow, readImageBytes, InvalidImageError, type StoredImage } from "../images/store";
import { checkImage } from "../images/pool";
import { asStorage } from "../storage/config";
import { imageKey } from "../storage/keys";
import type { Storage } from "../storage/types";
import { loadImageBytes, ImageRefError, type ResolveConfig } from "../images/resolve";
import { editAreaFromTransparency } from "../images/mask";
import type { TImageRef } from "./types";

// Turns image references into stored images. Hashing and the full decode that validates an image run on the
// image pool (lib/images/pool.ts); previews and change maps are left to the derivative workers
// (./derivatives.ts, decision 015), so an import is bound by reading and storing. Every step is keyed by
// content, so an image met twice costs one lookup; caches hold promises so concurrent rows sharing an image
// wait for the one check in flight.

export interface TResolvedImage {
  sha256: string;
  /** What the browser is shown, when already known (an image stored before): a smaller webp or the original itself. */
  preview: string | null;
}

/** A reference that could not become an image: the row is reported invalid with this message. */
export class ImageProblem extends Error {}

class Lru<V> {
  private map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

function problem(what: string, err: unknown): ImageProblem {
  if (err instanceof ImageProblem) return new ImageProblem(`${what}: ${err.message}`);
  if (err instanceof ImageRefError || err instanceof InvalidImageError) return new ImageProblem(`${what}: ${err.message}`);
  throw err; // unexpected (disk full, database down): the job fails and can be resumed
}

export class ImagePipeline {
  private byRef = new Lru<Promise<TResolvedImage>>(20_000);
  private bySha = new Lru<Promise<TResolvedImage>>(20_000);
  private masks = new Lru<Promise<TResolvedImage>>(20_000);

  private readonly storage: Storage;
  /** In-place originals met by this pipeline: sha256 → s3://bucket/key. */
  private inPlace = new Lru<string>(20_000);

  constructor(
    private readonly db: Db,
    store: Storage | string,
    private readonly resolveConfig: ResolveConfig,
  ) {
    this.storage = asStorage(store);
  }

  /** Resolves one reference; `what` names it in error messages ("source image"). */
  async resolve(ref: TImageRef, what: string): Promise<TResolvedImage> {
    try {
      if (ref.kind === "bytes") return await this.store(Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength));
      // A URL's expected hash is part of its key: a row expecting other bytes must be checked, not served the cached ones.
      const key = ref.kind === "path" ? `p:${ref.path}` : ref.kind === "object" ? `o:${ref.url}` : `u:${ref.sha256 ?? ""}:${ref.url}`;
      let p = this.byRef.get(key);
      if (!p) {
        const location = ref.kind === "object" || (ref.kind === "url" && this.resolveConfig.webInPlace) ? ref.url : undefined;
        p = loadImageBytes(ref, this.resolveConfig).then((bytes) => this.store(bytes, location));
        this.byRef.set(key, p);
        // A failure is not cached: the next row naming the file reports it again, or finds it fixed.
        p.catch(() => this.byRef.delete(key));
      }
      return await p;
    } catch (err) {
      throw problem(what, err);
    }
  }

  /** An image already in the store (an archive member stored by the scan), by its sha256. */
  async resolveStored(sha256: string, what: string): Promise<TResolvedImage> {
    let p = this.bySha.get(sha256);
    if (!p) {
      p = this.db
        .query<{ preview_sha256: string | null }>("SELECT preview_sha256 FROM images WHERE sha256 = $1", [sha256], "loupe_image_preview")
        .then((rows) => {
          if (!rows[0]) throw new ImageProblem(`${what}: the stored image ${sha256} is gone from the images table`);
          return { sha256, preview: rows[0].preview_sha256?.trim() || null };
        });
      this.bySha.set(sha256, p);
      p.catch(() => this.bySha.delete(sha256));
    }
    return p;
  }

  /** `location` (s3://bucket/key): the original stays there; only its derivatives are stored (decision 017). */
  private async store(bytes: Buffer, location?: string): Promise<TResolvedImage> {
    if (bytes.length === 0) throw new ImageProblem("the image is empty (0 bytes)");
    const checked = await checkImage(bytes);
    let p = this.bySha.get(checked.sha256);
    if (!p) {
      p = this.storeNew(checked, bytes, location);
      this.bySha.set(checked.sha256, p);
      p.catch(() => this.bySha.delete(checked.sha256));
    }
    return p;
  }

  private async storeNew(checked: StoredImage, bytes: Buffer, location?: string): Promise<TResolvedImage> {
    const sha = checked.sha256;
    const rows = await this.db.query<{ preview_sha256: string | null; location: string | null }>(
      "SELECT preview_sha256, location FROM images WHERE sha256 = $1",
      [sha],
      "loupe_image_location",
    );
    const known = rows[0]?.preview_sha256?.trim() || null;
    // An image already referenced in place stays there, whatever this row names; a stored one stays stored.
    const stays = rows[0] ? rows[0].location : (location ?? null);
    if (stays) this.inPlace.set(sha, stays);
    // Trust a stored image's row only if the object is there (another data folder, or objects lost): else
    // store again (putImage rewrites a missing object for a known row).
    if (rows[0] && (stays || (await this.storage.head(imageKey(sha))))) return { sha256: sha, preview: known };
    if (stays) await putImageRow(this.db, bytes, stays, { checked });
    else await putImage(this.db, this.storage, bytes, { checked });
    return { sha256: sha, preview: known };
  }

  /** A stored image's bytes, or an in-place original's from its own bucket. */
  private async bytesOf(sha: string): Promise<Buffer> {
    let location = this.inPlace.get(sha);
    if (location === undefined) {
      const [row] = await this.db.query<{ location: string | null }>("SELECT location FROM images WHERE sha256 = $1", [sha]);
      location = row?.location ?? undefined;
    }
    const bytes = await readImageBytes(this.storage, sha, location ?? null);
    if (!bytes) throw new ImageProblem(location ? `${location} is no longer in its bucket` : `the stored image ${sha} is missing from storage`);
    return bytes;
  }

  /**
   * A stored mask in Loupe's convention (white = edit area): a mask that marks the edit area by
   * transparency (MagicBrush) is stored again as white on black; any other is used as it is.
   */
  editArea(mask: TResolvedImage, what: string): Promise<TResolvedImage> {
    let p = this.masks.get(mask.sha256);
    if (!p) {
      p = this.bytesOf(mask.sha256)
        .then((bytes) => editAreaFromTransparency(bytes))
        .then((area) => (area ? this.store(area) : mask))
        .catch((err: unknown) => {
          throw problem(what, err);
        });
      this.masks.set(mask.sha256, p);
      p.catch(() => this.masks.delete(mask.sha256));
    }
    return p;
  }
}
