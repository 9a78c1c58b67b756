import "server-only";
import { Readable } from "node:stream";
import { NotFoundError } from "../errors";
import type { Storage, TByteRange } from "./types";

// How an object reaches the browser. With a bucket the default is a redirect to a presigned URL, so bytes
// go from the bucket to the browser; "proxy" streams them through Loupe (buckets the browser cannot reach).
//
// Presigned URLs expire, and an annotator may keep a page open for hours. The page never holds one: every
// <img> points at Loupe's stable URL, whose redirect is cached by the browser for at most the rest of the
// current signing window (half the URL's life), so a URL the browser follows always has at least half its
// life left. Within a window every request is signed with the window's start time, so the same object gets
// the same URL and the browser's cache of the bytes (immutable: the key is their hash) keeps hitting.

export interface TServeOptions {
  mode: "redirect" | "proxy";
  urlSeconds: number;
  contentType: string;
  /** Content-addressed: the bytes under this key never change (images); else no-store (exports). */
  immutable: boolean;
  etag?: string;
  /** For downloads: attachment; filename="…". */
  disposition?: string;
  /** Extra headers for a proxied answer (CSP for images). */
  headers?: Record<string, string>;
  /** What the 404 names, e.g. the object's key, so a vanished object is reported, not shown broken. */
  missingMessage: string;
  now?: number;
}

const IMMUTABLE = "private, max-age=31536000, immutable";

/** Parses one `bytes=` range against the object's size; null for none or a form we answer with the whole object. */
export function parseRange(header: string | null, size: number): TByteRange | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null; // several ranges, or garbage: send it all (allowed by RFC 9110)
  if (m[1] === "") {
    const n = Number(m[2]);
    if (n === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

/** The signing time and remaining cache life of the window `now` falls in. */
export function signingWindow(now: number, urlSeconds: number): { signedAt: Date; maxAge: number } {
  const windowMs = Math.floor(urlSeconds / 2) * 1000;
  const start = Math.floor(now / windowMs) * windowMs;
  return { signedAt: new Date(start), maxAge: Math.max(0, Math.floor((start + windowMs - now) / 1000)) };
}

function bodyHeaders(o: Omit<TServeOptions, "mode" | "urlSeconds">): Record<string, string> {
  return {
    "Content-Type": o.contentType,
    "Cache-Control": o.immutable ? IMMUTABLE : "no-store",
    "Accept-Ranges": "bytes",
    "X-Content-Type-Options": "nosniff",
    ...(o.etag ? { ETag: o.etag } : {}),
    ...(o.disposition ? { "Content-Disposition": o.disposition } : {}),
    ...o.headers,
  };
}

/**
 * Bytes Loupe reads into memory (an image read from its own web address, checked against its hash), served
 * as serveObject serves a stored object's: the same caching, validators and Range answers. `load` runs
 * only when the browser's copy is not current (no read for a revalidation).
 */
export async function serveBytes(load: () => Promise<Buffer | null>, req: Request, o: Omit<TServeOptions, "mode" | "urlSeconds">): Promise<Response> {
  const headers = bodyHeaders(o);
  if (o.etag && o.immutable && req.headers.get("if-none-match") === o.etag) {
    return new Response(null, { status: 304, headers: { ETag: o.etag, "Cache-Control": headers["Cache-Control"]! } });
  }
  const bytes = await load();
  if (!bytes) throw new NotFoundError(o.missingMessage);
  const range = parseRange(req.headers.get("range"), bytes.length);
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${bytes.length}` } });
  }
  const end = range ? (range.end ?? bytes.length - 1) : bytes.length - 1;
  const slice = range ? bytes.subarray(range.start, end + 1) : bytes;
  headers["Content-Length"] = String(slice.length);
  if (range) headers["Content-Range"] = `bytes ${range.start}-${end}/${bytes.length}`;
  return new Response(new Uint8Array(slice), { status: range ? 206 : 200, headers });
}

export async function serveObject(storage: Storage, key: string, req: Request, o: TServeOptions): Promise<Response> {
  const cacheControl = o.immutable ? IMMUTABLE : "no-store";
  if (o.etag && o.immutable && req.headers.get("if-none-match") === o.etag) {
    return new Response(null, { status: 304, headers: { ETag: o.etag, "Cache-Control": cacheControl } });
  }
  const info = await storage.head(key);
  if (!info) throw new NotFoundError(o.missingMessage);
  if (storage.kind === "s3" && o.mode === "redirect") {
    const { signedAt, maxAge } = signingWindow(o.now ?? Date.now(), o.urlSeconds);
    const url = await storage.presignGet(key, {
      expiresIn: o.urlSeconds,
      signedAt,
      contentType: o.contentType,
      cacheControl: o.immutable ? IMMUTABLE : "no-store",
      disposition: o.disposition,
    });
    if (url) {
      return new Response(null, {
        status: 302,
        headers: { Location: url, "Cache-Control": o.immutable ? `private, max-age=${maxAge}` : "no-store" },
      });
    }
  }
  const range = parseRange(req.headers.get("range"), info.size);
  const headers = bodyHeaders(o);
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${info.size}` } });
  }
  const got = await storage.get(key, range ?? undefined);
  if (!got) throw new NotFoundError(o.missingMessage);
  headers["Content-Length"] = String(got.size);
  const body = Readable.toWeb(got.body) as ReadableStream<Uint8Array>;
  if (got.range) {
    headers["Content-Range"] = `bytes ${got.range.start}-${got.range.end}/${got.totalSize}`;
    return new Response(body, { status: 206, headers });
  }
  return new Response(body, { status: 200, headers });
}
