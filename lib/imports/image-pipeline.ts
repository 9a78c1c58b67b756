import "server-only";
import { createHash } from "node:crypto";
import type { Db } from "../db/connect";
import { putImage, putImageRow, readImage, InvalidImageError } from "../images/store";
import { asStorage } from "../storage/config";
import { imageKey } from "../storage/keys";
import type { Storage } from "../storage/types";
import { loadImageBytes, ImageRefError, type ResolveConfig } from "../images/resolve";
import { computeChangeMap, makePreview } from "../images/derive";
import type { TImageRef } from "./types";

// Turns image references into stored images with previews, and pairs of them into change maps. Every step
// is keyed by content, so an image or pair met twice costs one lookup, not a decode; caches hold promises so
// concurrent rows sharing an image wait for the one decode in flight.

export interface TResolvedImage {
  sha256: string;
  /** What the browser is shown: a smaller webp, or the original itself. */
  preview: string;
}

export interface TChangeStats {
  heatmap: string;
  changedFraction: number;
  ssim: number;
  changeOutsideMask: number | null;
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
  private changes = new Lru<Promise<TChangeStats>>(20_000);

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
        const location = ref.kind === "object" ? ref.url : undefined;
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
          return { sha256, preview: rows[0].preview_sha256?.trim() || sha256 };
        });
      this.bySha.set(sha256, p);
      p.catch(() => this.bySha.delete(sha256));
    }
    return p;
  }

  /** `location` (s3://bucket/key): the original stays there; only its derivatives are stored. */
  private store(bytes: Buffer, location?: string): Promise<TResolvedImage> {
    if (bytes.length === 0) throw new ImageProblem("the image is empty (0 bytes)");
    const sha = createHash("sha256").update(bytes).digest("hex");
    let p = this.bySha.get(sha);
    if (!p) {
      p = this.storeNew(sha, bytes, location);
      this.bySha.set(sha, p);
      p.catch(() => this.bySha.delete(sha));
    }
    return p;
  }

  private async storeNew(sha: string, bytes: Buffer, location?: string): Promise<TResolvedImage> {
    const rows = await this.db.query<{ preview_sha256: string | null; location: string | null }>(
      "SELECT preview_sha256, location FROM images WHERE sha256 = $1",
      [sha],
      "loupe_image_location",
    );
    const known = rows[0]?.preview_sha256?.trim();
    const stays = rows[0] ? rows[0].location : (location ?? null);
    if (stays) this.inPlace.set(sha, stays);
    // Trust the row only if the files are there (another data folder, or files lost): else store again.
    if (known && (stays || (await this.storage.head(imageKey(sha)))) && (known === sha || (await this.storage.head(imageKey(known))))) {
      return { sha256: sha, preview: known };
    }
    const db = this.db;
    if (stays) await putImageRow(db, bytes, stays);
    else await putImage(db, this.storage, bytes);
    const preview = await makePreview(bytes);
    let previewSha = sha;
    if (preview) {
      const stored = await putImage(db, this.storage, preview.bytes);
      previewSha = stored.sha256;
      await this.db.query("UPDATE images SET preview_sha256 = $1 WHERE sha256 = $1 AND preview_sha256 IS NULL", [previewSha]);
    }
    // (putImage rewrites a missing file for a known row, so the re-store above also repairs it.)
    await this.db.query("UPDATE images SET preview_sha256 = $2 WHERE sha256 = $1", [sha, previewSha]);
    return { sha256: sha, preview: previewSha };
  }

  /** A stored image's bytes, or an in-place original's from its bucket (when it is its own preview). */
  private async bytesOf(sha: string): Promise<Buffer> {
    let location = this.inPlace.get(sha);
    if (location === undefined) {
      const [row] = await this.db.query<{ location: string | null }>("SELECT location FROM images WHERE sha256 = $1", [sha]);
      location = row?.location ?? undefined;
    }
    if (!location) return readImage(this.storage, sha);
    return loadImageBytes({ kind: "object", url: location }, this.resolveConfig);
  }

  /** The change map between two previews (and the mask, when there is one), stored as an image. */
  changeMap(source: TResolvedImage, edited: TResolvedImage, mask: TResolvedImage | null): Promise<TChangeStats> {
    const key = `${source.preview}:${edited.preview}:${mask?.sha256 ?? ""}`;
    let p = this.changes.get(key);
    if (!p) {
      p = this.computeChange(source, edited, mask);
      this.changes.set(key, p);
      p.catch(() => this.changes.delete(key));
    }
    return p;
  }

  private async computeChange(source: TResolvedImage, edited: TResolvedImage, mask: TResolvedImage | null): Promise<TChangeStats> {
    const [a, b, m] = await Promise.all([
      this.bytesOf(source.preview),
      this.bytesOf(edited.preview),
      mask ? this.bytesOf(mask.sha256) : Promise.resolve(null),
    ]);
    let map;
    try {
      map = await computeChangeMap(a, b, m);
    } catch (err) {
      throw problem("change map", err);
    }
    const heat = await putImage(this.db, this.storage, map.heatmap);
    await this.db.query("UPDATE images SET preview_sha256 = $1 WHERE sha256 = $1 AND preview_sha256 IS NULL", [heat.sha256]);
    return {
      heatmap: heat.sha256,
      changedFraction: map.changedFraction,
      ssim: map.ssim,
      changeOutsideMask: map.changeOutsideMask,
    };
  }
}
