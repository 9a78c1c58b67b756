import { checkKey } from "./types";

// Where each kind of object lives inside a store. The same keys on disk and in a bucket, so
// storage:migrate copies a folder to a bucket key for key. Images are content-addressed.

const SHA256_RE = /^[0-9a-f]{64}$/;

export function imageKey(sha256: string): string {
  if (!SHA256_RE.test(sha256)) throw new Error(`Not a sha256 (expected 64 lowercase hex characters): ${JSON.stringify(String(sha256).slice(0, 80))}`);
  return `images/${sha256.slice(0, 2)}/${sha256}`;
}

/** The sha256 an image key names, or null for any other key. */
export function shaOfImageKey(key: string): string | null {
  const m = /^images\/([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(key);
  return m && m[2]!.startsWith(m[1]!) ? m[2]! : null;
}

export function uploadPrefix(id: string): string {
  return `uploads/${id}/`;
}

export function exportPrefix(id: string): string {
  if (!/^\d{1,18}$/.test(id)) throw new Error(`Not an export id: ${JSON.stringify(id)}`);
  return `exports/${id}/`;
}

/** Splits s3://bucket/key; null when it is not one. */
export function parseObjectUrl(url: string): { bucket: string; key: string } | null {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!m) return null;
  try {
    return { bucket: m[1]!, key: checkKey(m[2]!) };
  } catch {
    return null;
  }
}
