import "server-only";
import { access, readFile } from "node:fs/promises";
import type { Db } from "../db/connect";
import { imagePath, putImage, InvalidImageError, type StoredImage } from "../images/store";
import { checkImage } from "../images/pool";
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

async function fileExists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

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

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly resolveConfig: ResolveConfig,
  ) {}

  /** Resolves one reference; `what` names it in error messages ("source image"). */
  async resolve(ref: TImageRef, what: string): Promise<TResolvedImage> {
    try {
      if (ref.kind === "bytes") return await this.store(Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength));
      // A URL's expected hash is part of its key: a row expecting other bytes must be checked, not served the cached ones.
      const key = ref.kind === "path" ? `p:${ref.path}` : `u:${ref.sha256 ?? ""}:${ref.url}`;
      let p = this.byRef.get(key);
      if (!p) {
        p = loadImageBytes(ref, this.resolveConfig).then((bytes) => this.store(bytes));
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

  private async store(bytes: Buffer): Promise<TResolvedImage> {
    if (bytes.length === 0) throw new ImageProblem("the image is empty (0 bytes)");
    const checked = await checkImage(bytes);
    let p = this.bySha.get(checked.sha256);
    if (!p) {
      p = this.storeNew(checked, bytes);
      this.bySha.set(checked.sha256, p);
      p.catch(() => this.bySha.delete(checked.sha256));
    }
    return p;
  }

  private async storeNew(checked: StoredImage, bytes: Buffer): Promise<TResolvedImage> {
    const sha = checked.sha256;
    const rows = await this.db.query<{ preview_sha256: string | null }>(
      "SELECT preview_sha256 FROM images WHERE sha256 = $1",
      [sha],
      "loupe_image_preview",
    );
    const known = rows[0]?.preview_sha256?.trim() || null;
    // Trust the row only if the file is there (another data folder, or files lost): else store again
    // (putImage rewrites a missing file for a known row).
    if (rows[0] && (await fileExists(imagePath(this.dataDir, sha)))) return { sha256: sha, preview: known };
    await putImage(this.db, this.dataDir, bytes, { checked });
    return { sha256: sha, preview: known };
  }

  /**
   * A stored mask in Loupe's convention (white = edit area): a mask that marks the edit area by
   * transparency (MagicBrush) is stored again as white on black; any other is used as it is.
   */
  editArea(mask: TResolvedImage, what: string): Promise<TResolvedImage> {
    let p = this.masks.get(mask.sha256);
    if (!p) {
      p = readFile(imagePath(this.dataDir, mask.sha256))
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
