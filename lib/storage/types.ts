import type { Readable } from "node:stream";

// The one way Loupe reaches stored bytes (images, previews, change maps, uploads, exports): a folder on
// this host or an S3-compatible bucket (decision 017). Keys are relative, "/"-separated, never "..".

export interface TObjectInfo {
  key: string;
  size: number;
  /** The sha256 recorded when Loupe wrote the object (S3 metadata), when known. */
  sha256?: string;
  contentType?: string;
}

/** Inclusive byte positions, as in an HTTP Range header; `end` absent means to the last byte. */
export interface TByteRange {
  start: number;
  end?: number;
}

export interface TGetResult {
  body: Readable;
  /** Bytes in `body`. */
  size: number;
  /** Bytes in the whole object. */
  totalSize: number;
  /** The part sent, when a range was asked for. */
  range: { start: number; end: number } | null;
}

export interface TPutOptions {
  /** The bytes must hash to this (lowercase hex); otherwise nothing is kept and the put throws. */
  sha256?: string;
  contentType?: string;
}

export interface TPresignOptions {
  /** Seconds the URL stays valid, counted from `signedAt`. */
  expiresIn: number;
  /** Signing time; a fixed time gives the same URL to every request in its window (browser caching). */
  signedAt?: Date;
  contentType?: string;
  cacheControl?: string;
  /** Content-Disposition the server answers with, e.g. attachment; filename="x.jsonl". */
  disposition?: string;
}

export interface Storage {
  readonly kind: "local" | "s3";
  /** Where it is, for messages and the CLI: a folder, or s3://bucket/prefix. */
  readonly location: string;
  /** Streams bytes to `key`, hashing them on the way; replaces what is there only once the bytes are complete. */
  put(key: string, body: Readable | Uint8Array, opts?: TPutOptions): Promise<{ size: number; sha256: string }>;
  /** The object's bytes (or a range of them); null when there is no such object. */
  get(key: string, range?: TByteRange): Promise<TGetResult | null>;
  head(key: string): Promise<TObjectInfo | null>;
  delete(key: string): Promise<void>;
  /** Removes every object under `prefix` (a folder: ends in "/"). */
  deletePrefix(prefix: string): Promise<void>;
  /** Every object under `prefix`, in key order. */
  list(prefix: string): AsyncIterable<TObjectInfo>;
  /** Copies an object inside this store (server-side on S3, a hard link or copy on disk). */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** A URL the browser may GET for a while, or null when this store cannot give one (the local folder). */
  presignGet(key: string, opts: TPresignOptions): Promise<string | null>;
  /** The object's path on this host's disk, for the local store only. */
  localPath(key: string): string | null;
}

/** The bytes did not hash to what the caller said they must. */
export class StorageIntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StorageIntegrityError";
  }
}

const KEY_PART_RE = /^[^/\0]+$/;

/** Refuses absolute keys, empty parts, "." and ".." (so no key escapes its store's root or prefix). */
export function checkKey(key: string, { prefix = false } = {}): string {
  const parts = key.split("/");
  if (prefix && parts[parts.length - 1] === "") parts.pop();
  const ok = key.length > 0 && key.length <= 1024 && parts.every((p) => KEY_PART_RE.test(p) && p !== "." && p !== "..");
  if (!ok && !(prefix && key === "")) throw new Error(`Not a storage key: ${JSON.stringify(key.slice(0, 120))}`);
  return key;
}
