import "server-only";
export { parseObjectUrl } from "../storage/keys";
import { bucketStorage } from "../storage/config";
import { parseObjectUrl } from "../storage/keys";
import { getEnv } from "../env";
import { createHash } from "node:crypto";
import dns from "node:dns";
import { constants as fsConstants } from "node:fs";
import { open, readlink, realpath } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import path from "node:path";
import ipaddr from "ipaddr.js";
import type { TImageRef } from "./types";

/** An image reference that cannot be loaded; the message is meant for the admin running the import. */
export class ImageRefError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ImageRefError";
  }
}

export interface ResolveConfig {
  /** Directory that `path` references are resolved under; null refuses every path reference. */
  imageRoot: string | null;
  /** Admin allow-list: hostnames, IPs or CIDRs that may be fetched even if private. */
  allowHosts: string[];
  maxBytes: number;
  /**
   * The project references http(s) images where they are (projects.web_images_in_place): fetched once
   * for the hash and derivatives, then read from the URL instead of copied into the store.
   */
  webInPlace?: boolean;
  /** Total time for one attempt at a URL, redirects included. */
  timeoutMs: number;
  maxRedirects?: number;
  /** Answers 429 and 503 are retried, waiting as Retry-After says (else backing off), within these bounds. */
  retry?: TRetryPolicy;
}

export interface TRetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Waiting between attempts, all together, never beyond this; a Retry-After past it fails at once. */
  maxWaitMs: number;
  /** The first back-off without Retry-After; it doubles each attempt. */
  baseDelayMs: number;
}

const MIB = 1024 * 1024;

export const DEFAULT_RETRY: TRetryPolicy = { attempts: 5, maxWaitMs: 120_000, baseDelayMs: 1000 };

export const DEFAULT_FETCH_LIMITS = { maxBytes: 50 * MIB, timeoutMs: 15_000, maxRedirects: 5, retry: DEFAULT_RETRY } as const;

/** The fetch limits and allow-list the environment sets (LOUPE_FETCH_ALLOW, LOUPE_FETCH_MAX_BYTES, LOUPE_FETCH_TIMEOUT_MS). */
export function fetchConfigFromEnv(): Omit<ResolveConfig, "imageRoot"> {
  const env = getEnv();
  return {
    ...DEFAULT_FETCH_LIMITS,
    allowHosts: (env.LOUPE_FETCH_ALLOW ?? "").split(",").map((s) => s.trim()).filter(Boolean),
    maxBytes: env.LOUPE_FETCH_MAX_BYTES,
    timeoutMs: env.LOUPE_FETCH_TIMEOUT_MS,
  };
}

/** An image referenced in place by its web address (a project with web_images_in_place), not an s3:// object. */
export function isWebLocation(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

export async function loadImageBytes(ref: TImageRef, cfg: ResolveConfig): Promise<Buffer> {
  switch (ref.kind) {
    case "bytes": {
      if (ref.bytes.byteLength === 0) throw new ImageRefError("image bytes are empty (0 bytes)");
      if (ref.bytes.byteLength > cfg.maxBytes) throw new ImageRefError(`image is larger than ${formatBytes(cfg.maxBytes)}`);
      return Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength);
    }
    case "path":
      return readUnderRoot(ref.path, cfg);
    case "url": {
      const bytes = await fetchImage(ref.url, cfg);
      if (ref.sha256) checkSha256(bytes, ref.sha256);
      return bytes;
    }
    case "object":
      return readBucketObject(ref.url, cfg.maxBytes);
  }
}

/** The buckets LOUPE_S3_INPLACE_BUCKETS lets images be read from in place; null: any bucket. */
export function inPlaceBuckets(value: string | undefined = getEnv().LOUPE_S3_INPLACE_BUCKETS): string[] | null {
  const list = (value ?? "").split(",").map((b) => b.trim()).filter(Boolean);
  return list.length > 0 ? list : null;
}

async function readBucketObject(url: string, maxBytes: number): Promise<Buffer> {
  const loc = parseObjectUrl(url);
  if (!loc) throw new ImageRefError(`${url} is not an S3 object (expected s3://bucket/key)`);
  // Anyone who may import or post pairs could otherwise make Loupe read (and show) any object its credentials reach.
  const allowed = inPlaceBuckets();
  if (allowed && !allowed.includes(loc.bucket)) {
    throw new ImageRefError(`${url}: bucket "${loc.bucket}" is not one Loupe may read images from in place (LOUPE_S3_INPLACE_BUCKETS: ${allowed.join(", ")})`);
  }
  const store = bucketStorage(loc.bucket);
  const got = await store.get(loc.key).catch((err: Error) => {
    throw new ImageRefError(`${url} could not be read: ${err.message}`);
  });
  if (!got) throw new ImageRefError(`${url} is not in its bucket`);
  if (got.size > maxBytes) {
    got.body.destroy();
    throw new ImageRefError(`${url} is larger than ${formatBytes(maxBytes)}`);
  }
  const chunks: Buffer[] = [];
  for await (const c of got.body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Hashes shown in messages: enough to tell two apart, short enough to read. */
export const shortSha = (hex: string) => `${hex.slice(0, 12)}…`;

// The URL may serve something else than when the row was written (a re-encoded or replaced image): the
// row's hash says which bytes it meant.
function checkSha256(bytes: Buffer, expected: string): void {
  const got = createHash("sha256").update(bytes).digest("hex");
  if (got !== expected.toLowerCase()) {
    throw new ImageRefError(`sha256 mismatch: the downloaded image hashes to ${shortSha(got)}, the row expects ${shortSha(expected.toLowerCase())}`);
  }
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function shown(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}

async function readUnderRoot(relPath: string, cfg: ResolveConfig): Promise<Buffer> {
  if (!cfg.imageRoot) throw new ImageRefError("image paths need an image root (LOUPE_IMAGE_ROOT)");
  if (relPath.includes("\0")) throw new ImageRefError("image path contains a NUL byte");
  if (relPath.trim() === "") throw new ImageRefError("image path is empty");
  if (path.isAbsolute(relPath) || path.win32.isAbsolute(relPath)) {
    throw new ImageRefError(`image path must be relative to the image root: ${shown(relPath)}`);
  }
  const root = path.resolve(cfg.imageRoot);
  const target = path.resolve(root, relPath);
  if (!isInside(root, target)) throw new ImageRefError(`image path escapes the image root: ${shown(relPath)}`);

  let realRoot: string;
  try {
    realRoot = await realpath(root);
  } catch (err) {
    throw new ImageRefError(`image root is not readable (${(err as NodeJS.ErrnoException).code ?? "error"})`, { cause: err });
  }
  let realTarget: string;
  try {
    realTarget = await realpath(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") throw new ImageRefError(`image file not found: ${shown(relPath)}`, { cause: err });
    throw new ImageRefError(`image file is not readable (${code ?? "error"}): ${shown(relPath)}`, { cause: err });
  }
  // A symlink inside the root may point anywhere; only where it finally lands counts.
  if (!isInside(realRoot, realTarget)) {
    throw new ImageRefError(`image path escapes the image root through a symlink: ${shown(relPath)}`);
  }

  // O_NOFOLLOW: the real path has no symlinks left, so one appearing now is a swap under our feet.
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer.
  const flags = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);
  let handle;
  try {
    handle = await open(realTarget, flags);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ImageRefError(`image file not found: ${shown(relPath)}`, { cause: err });
    throw new ImageRefError(`image file is not readable (${code ?? "error"}): ${shown(relPath)}`, { cause: err });
  }
  try {
    // Closes the race between realpath and open (a parent directory swapped for a symlink) where
    // /proc exists; elsewhere the realpath check above is what we have.
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
    if (opened !== null && path.isAbsolute(opened) && !isInside(realRoot, opened)) {
      throw new ImageRefError(`image path escapes the image root through a symlink: ${shown(relPath)}`);
    }
    const info = await handle.stat();
    if (!info.isFile()) throw new ImageRefError(`image path is not a regular file: ${shown(relPath)}`);
    if (info.size === 0) throw new ImageRefError("image file is empty (0 bytes)");
    if (info.size > cfg.maxBytes) {
      throw new ImageRefError(`image is larger than ${formatBytes(cfg.maxBytes)}: ${shown(relPath)} (${formatBytes(info.size)})`);
    }
    const buf = Buffer.allocUnsafe(info.size);
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled === 0) throw new ImageRefError("image file is empty (0 bytes)");
    return filled === buf.length ? buf : buf.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

// Shared with the webhook sender (lib/webhooks/url.ts). Names that cloud providers answer with instance
// credentials: their addresses are refused anyway, but refusing by name covers a resolver that maps them elsewhere.
export const METADATA_HOSTS = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
]);

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

const RANGE_LABELS: Record<string, string> = {
  unspecified: "an unspecified",
  broadcast: "a broadcast",
  multicast: "a multicast",
  linkLocal: "a link-local",
  loopback: "a loopback",
  carrierGradeNat: "a carrier-grade NAT",
  private: "a private",
  uniqueLocal: "a private",
  reserved: "a reserved",
};

export interface AllowList {
  hosts: Set<string>;
  cidrs: [ipaddr.IPv4 | ipaddr.IPv6, number][];
}

export function normaliseHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

export function parseAllowList(entries: string[]): AllowList {
  const list: AllowList = { hosts: new Set(), cidrs: [] };
  for (const raw of entries) {
    const entry = normaliseHost(raw.trim());
    if (!entry) continue;
    if (ipaddr.isValid(entry)) {
      const addr = ipaddr.process(entry);
      list.cidrs.push([addr, addr.kind() === "ipv4" ? 32 : 128]);
    } else if (ipaddr.isValidCIDR(entry)) {
      const [addr, bits] = ipaddr.parseCIDR(entry);
      // An IPv4-mapped CIDR (::ffff:10.0.0.0/104) means the IPv4 range; addresses are unwrapped too.
      if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        list.cidrs.push([(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]);
      } else {
        list.cidrs.push([addr, bits]);
      }
    } else {
      list.hosts.add(entry);
    }
  }
  return list;
}

/** What makes this address unfit to connect to ("127.0.0.1 is a loopback address"), or null when it is fine. */
export function refusal(address: string, allow: AllowList): { address: string; kind: string } | null {
  if (!ipaddr.isValid(address)) return { address, kind: "not an IP" };
  // process() unwraps IPv4-mapped IPv6 (::ffff:127.0.0.1), so the IPv4 ranges apply to it.
  const addr = ipaddr.process(address);
  for (const [net, bits] of allow.cidrs) {
    if (net.kind() === addr.kind() && addr.match(net, bits)) return null;
  }
  const range = addr.range();
  if (range === "unicast") return null;
  return { address: addr.toString(), kind: RANGE_LABELS[range] ?? `a special-purpose (${range})` };
}

/** A dns lookup refusing private answers, run inside net.connect so what it approves is what the socket reaches. */
function guardedLookup(allow: AllowList): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, options.all ? [] : "");
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), options.all ? [] : "");
      }
      // One private answer refuses the lot: a public/private mix is how rebinding attacks look.
      for (const { address } of addresses) {
        const bad = refusal(address, allow);
        if (bad) {
          const err = new ImageRefError(`image URL refused: ${hostname} resolves to ${bad.address}, ${bad.kind} address`);
          return callback(err, options.all ? [] : "");
        }
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}

function parseHttpUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new ImageRefError(`image URL is not valid: ${shown(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ImageRefError(`image URL refused: scheme ${url.protocol} is not allowed (http and https only)`);
  }
  return url;
}

/** Checks what can be checked before connecting; returns the lookup to connect with. */
function planConnection(url: URL, allow: AllowList): LookupFunction | undefined {
  const host = normaliseHost(url.hostname);
  if (allow.hosts.has(host)) return undefined;
  if (ipaddr.isValid(host)) {
    // net.connect skips the lookup for an IP literal, so the literal is the connected address.
    const bad = refusal(host, allow);
    if (bad) throw new ImageRefError(`image URL refused: ${bad.address} is ${bad.kind} address`);
    return undefined;
  }
  if (METADATA_HOSTS.has(host)) throw new ImageRefError(`image URL refused: ${host} is a cloud metadata host`);
  return guardedLookup(allow);
}

type HopResult = { kind: "redirect"; location: string } | { kind: "body"; bytes: Buffer };

/** A 429 or 503: the host asks us to come back later, maybe saying when. */
class ComeBackLater extends ImageRefError {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfterMs: number | null,
  ) {
    super(message);
  }
}

/** Retry-After as milliseconds from now: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

// When a host says "later", every fetch to it in this process waits, not only the one that was told:
// an import fetches several images at once, and each would otherwise spend its own attempts on the limit.
const hostPauses = new Map<string, number>();

function fetchOnce(url: URL, lookup: LookupFunction | undefined, cfg: ResolveConfig, signal: AbortSignal): Promise<HopResult> {
  return new Promise<HopResult>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(url, {
      method: "GET",
      headers: { accept: "image/*,*/*;q=0.8", "user-agent": "Loupe image import" },
      // A fresh agent per hop: no pooled socket from an earlier, differently checked hop is reused.
      agent: false,
      lookup,
      signal,
    });
    const fail = (err: unknown) => {
      req.destroy();
      reject(err);
    };
    req.on("error", fail);
    req.on("response", (res) => {
      const status = res.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status) && res.headers.location) {
        res.destroy();
        resolve({ kind: "redirect", location: res.headers.location });
        return;
      }
      if (status < 200 || status > 299) {
        res.destroy();
        const message = `image fetch failed: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}`;
        fail(status === 429 || status === 503 ? new ComeBackLater(message, status, parseRetryAfter(res.headers["retry-after"])) : new ImageRefError(message));
        return;
      }
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > cfg.maxBytes) {
        res.destroy();
        fail(new ImageRefError(`image is larger than ${formatBytes(cfg.maxBytes)} (Content-Length ${formatBytes(declared)})`));
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > cfg.maxBytes) {
          res.destroy();
          fail(new ImageRefError(`image is larger than ${formatBytes(cfg.maxBytes)}`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("error", fail);
      res.on("end", () => {
        if (!res.complete) return fail(new ImageRefError("image download was cut off before the end"));
        resolve({ kind: "body", bytes: Buffer.concat(chunks, total) });
      });
      res.on("close", () => {
        if (!res.complete) fail(new ImageRefError("image download was cut off before the end"));
      });
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function fetchImage(raw: string, cfg: ResolveConfig): Promise<Buffer> {
  const retry = cfg.retry ?? DEFAULT_RETRY;
  const host = parseHttpUrl(raw).host;
  let waited = 0;
  for (let attempt = 1; ; attempt++) {
    const pausedFor = (hostPauses.get(host) ?? 0) - Date.now();
    if (pausedFor <= 0) hostPauses.delete(host);
    else {
      if (waited + pausedFor > retry.maxWaitMs) {
        throw new ImageRefError(`image fetch not tried: ${host} asked to wait ${formatSeconds(pausedFor)}, past the limit of ${formatSeconds(retry.maxWaitMs)}`);
      }
      await sleep(pausedFor);
      waited += pausedFor;
    }
    try {
      return await fetchAttempt(raw, cfg);
    } catch (err) {
      if (!(err instanceof ComeBackLater)) throw err;
      const wait = err.retryAfterMs ?? retry.baseDelayMs * 2 ** (attempt - 1);
      if (attempt >= retry.attempts) throw new ImageRefError(`${err.message}, ${attempt} attempt${attempt === 1 ? "" : "s"} over ${formatSeconds(waited)}`);
      if (waited + wait > retry.maxWaitMs) {
        throw new ImageRefError(`${err.message}; ${err.retryAfterMs !== null ? "Retry-After" : "backing off"} ${formatSeconds(wait)} is past the limit of ${formatSeconds(retry.maxWaitMs)} of waiting`);
      }
      if (err.retryAfterMs !== null) hostPauses.set(host, Math.max(hostPauses.get(host) ?? 0, Date.now() + wait));
      await sleep(wait);
      waited += wait;
    }
  }
}

async function fetchAttempt(raw: string, cfg: ResolveConfig): Promise<Buffer> {
  const allow = parseAllowList(cfg.allowHosts);
  const maxRedirects = cfg.maxRedirects ?? DEFAULT_FETCH_LIMITS.maxRedirects;
  const timedOut = new ImageRefError(`image fetch timed out after ${formatSeconds(cfg.timeoutMs)}`);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(timedOut), cfg.timeoutMs);
  try {
    let url = parseHttpUrl(raw);
    for (let redirects = 0; ; redirects++) {
      // Every hop is checked again: an allowed host may redirect anywhere.
      const lookup = planConnection(url, allow);
      let result: HopResult;
      try {
        result = await fetchOnce(url, lookup, cfg, controller.signal);
      } catch (err) {
        if (controller.signal.aborted) throw timedOut;
        if (err instanceof ImageRefError) throw err;
        throw new ImageRefError(`image fetch failed: ${describeNetError(err)} (${url.host})`, { cause: err });
      }
      if (result.kind === "body") {
        if (result.bytes.length === 0) throw new ImageRefError("image download is empty (0 bytes)");
        return result.bytes;
      }
      if (redirects >= maxRedirects) throw new ImageRefError(`image URL redirected more than ${maxRedirects} times`);
      url = parseHttpUrl(result.location, url);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** A network error in words for a person (image fetches here, webhook deliveries in lib/webhooks/send.ts). */
export function describeNetError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ECONNRESET":
      return "connection reset";
    case "CERT_HAS_EXPIRED":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "ERR_TLS_CERT_ALTNAME_INVALID":
      return `TLS certificate not accepted (${e.code})`;
    default:
      return e?.message || String(err);
  }
}

function formatBytes(n: number): string {
  if (n >= MIB) return `${Number((n / MIB).toFixed(1))} MB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KB`;
  return `${n} bytes`;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
