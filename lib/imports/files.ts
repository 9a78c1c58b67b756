import "server-only";
import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { randomUUID } from "node:crypto";
import type { Db } from "../db/connect";
import { AppError, InvalidError, NotFoundError, PayloadTooLargeError } from "../errors";
import { getEnv } from "../env";
import { formatBytes } from "./mapping";
import type { TBrowseResponse } from "./schemas";
import type { TImportFile } from "./run";
import { groupParts, partOf } from "./readers/parts";
import { isArchiveName } from "./sources";
import { asStorage } from "../storage/config";
import { uploadPrefix } from "../storage/keys";
import type { Storage } from "../storage/types";

// Files an import reads: uploads streamed to the data folder, and paths under the import root (never outside it).

const DATA_EXTENSIONS = new Set([".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet"]);

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** Whether a file (or the name a set of numbered parts was cut from) is one an import reads. */
export function isImportable(name: string): boolean {
  return DATA_EXTENSIONS.has(path.extname(name).toLowerCase()) || isArchiveName(name);
}

/** The real path of `rel` under `root`, refusing anything that leaves it (`..`, absolute, symlinks out). */
export async function resolveUnderRoot(root: string, rel: string): Promise<string> {
  if (rel.includes("\0")) throw new InvalidError("The path contains a NUL byte.");
  const cleaned = rel.replace(/^[/\\]+/, "");
  if (path.isAbsolute(rel) && !isInside(root, path.resolve(rel))) throw new InvalidError(`"${rel}" is outside the import root.`);
  const realRoot = await realpath(root).catch(() => {
    throw new InvalidError(`The import root ${root} does not exist on the server.`);
  });
  const candidate = path.isAbsolute(rel) ? path.resolve(rel) : path.resolve(realRoot, cleaned);
  if (!isInside(realRoot, candidate) && !isInside(root, candidate)) throw new InvalidError(`"${rel}" is outside the import root.`);
  // Hidden files and folders (.env, .git, .ssh ...) are never importable, even when named directly.
  if (path.relative(realRoot, candidate).split(path.sep).some((seg) => seg.startsWith(".") && seg !== "." && seg !== "..")) {
    throw new InvalidError(`"${rel}" is hidden (a name starting with "."); hidden files and folders cannot be imported.`);
  }
  const real = await realpath(candidate).catch(() => {
    throw new NotFoundError(`"${rel}" was not found under the import root.`);
  });
  if (!isInside(realRoot, real)) throw new InvalidError(`"${rel}" leads outside the import root (symbolic link).`);
  return real;
}

/** The importable files of one folder, numbered parts grouped into one file each (kept in part order). */
async function filesIn(dir: string, names: string[], displayDir: string): Promise<TImportFile[]> {
  const out: TImportFile[] = [];
  for (const group of groupParts(names.map((name) => ({ name })))) {
    if (!isImportable(group.name)) continue;
    const parts = await Promise.all(group.parts.map(async (p) => ({ path: path.join(dir, p.name), size: (await stat(path.join(dir, p.name))).size })));
    const file: TImportFile = { path: parts[0]!.path, display: path.join(displayDir, group.name), size: parts.reduce((s, p) => s + p.size, 0) };
    if (partOf(group.parts[0]!.name)) file.parts = parts;
    out.push(file);
  }
  return out;
}

/** A file (with its sibling parts when it is one of numbered parts), or every data file and archive under a folder (sorted, hidden skipped). */
export async function listDataFiles(target: string, displayBase: string): Promise<TImportFile[]> {
  const st = await stat(target);
  if (st.isFile()) {
    const name = path.basename(target);
    const part = partOf(name);
    // Only data files, so a stray key or config file under the root cannot be read through a preview.
    if (!isImportable(part ? part.base : name)) {
      throw new InvalidError(`${name} is not a data file: import .jsonl, .ndjson, .json, .csv, .tsv or .parquet files, or .tar / .tar.gz archives.`);
    }
    if (!part) return [{ path: target, display: name, size: st.size }];
    const dir = path.dirname(target);
    const siblings = (await readdir(dir)).filter((n) => partOf(n)?.base === part.base);
    return filesIn(dir, siblings, "");
  }
  if (!st.isDirectory()) throw new InvalidError(`${path.basename(target)} is neither a file nor a folder.`);
  const out: TImportFile[] = [];
  const walk = async (dir: string) => {
    const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith(".")).sort((a, b) => a.name.localeCompare(b.name));
    const groups = await filesIn(dir, entries.filter((e) => e.isFile()).map((e) => e.name), path.join(displayBase, path.relative(target, dir)));
    const byFirst = new Map(groups.map((g) => [path.basename(g.path), g]));
    // Folders and files in name order, a set of parts where its first part sorts.
    for (const e of entries) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else if (byFirst.has(e.name)) out.push(byFirst.get(e.name)!);
    }
  };
  await walk(target);
  if (out.length === 0) throw new InvalidError(`The folder ${displayBase || "."} has no .jsonl, .json, .csv, .tsv, .parquet or .tar files.`);
  return out;
}

export async function browseImportRoot(root: string | null, dir: string): Promise<TBrowseResponse> {
  if (!root) return { root: null, dir: "", entries: [] };
  const realRoot = await realpath(root).catch(() => {
    throw new InvalidError(`The import root ${root} does not exist on the server.`);
  });
  const target = dir ? await resolveUnderRoot(root, dir) : realRoot;
  const st = await stat(target);
  if (!st.isDirectory()) throw new InvalidError(`"${dir}" is not a folder.`);
  const entries = [];
  for (const e of (await readdir(target, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue;
    const full = path.join(target, e.name);
    const rel = path.relative(realRoot, full);
    let s;
    try {
      s = await stat(full); // follows symlinks; a link pointing outside is refused when picked
    } catch {
      continue;
    }
    if (s.isDirectory()) entries.push({ name: e.name, path: rel, kind: "dir" as const, size: null });
    else if (s.isFile()) entries.push({ name: e.name, path: rel, kind: "file" as const, size: s.size });
    if (entries.length >= 2000) break;
  }
  return { root: realRoot, dir: path.relative(realRoot, target), entries };
}

function safeFileName(name: string): string {
  const base = path.basename(name.replace(/\\/g, "/")).replace(/[^\w.\- ]+/g, "_").trim();
  return (base || "upload").slice(0, 200);
}

// Every route has a body cap (decision 021); an upload is streamed to disk, never held, so its default is
// large: the size of the biggest single dataset files people upload rather than mount.
export const DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 ** 3;

/** The web upload's cap: LOUPE_UPLOAD_MAX_BYTES, else DEFAULT_UPLOAD_MAX_BYTES. */
export function uploadMaxBytes(): number {
  return getEnv().LOUPE_UPLOAD_MAX_BYTES ?? DEFAULT_UPLOAD_MAX_BYTES;
}

/**
 * Streams a request body to the store's `uploads/<uuid>/<name>`, answering 413 once past `maxBytes`, and
 * records the upload: its path on disk (local store) or its s3:// location, which any host can read.
 */
export async function saveUpload(
  db: Db,
  store: Storage | string,
  userId: number,
  name: string,
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number | undefined,
): Promise<{ uploadId: string; name: string; size: number }> {
  if (!body) throw new InvalidError("The upload has no body.");
  const id = randomUUID();
  const fileName = safeFileName(name);
  const storage = asStorage(store);
  const prefix = uploadPrefix(id);
  const key = `${prefix}${fileName}`;
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (maxBytes !== undefined && size > maxBytes) {
        cb(new PayloadTooLargeError(`The file is larger than this server's upload limit of ${formatBytes(maxBytes)} (LOUPE_UPLOAD_MAX_BYTES).`));
        return;
      }
      cb(null, chunk);
    },
  });
  try {
    const source = Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>);
    source.on("error", (err) => counter.destroy(err));
    await storage.put(key, source.pipe(counter));
  } catch (err) {
    await storage.deletePrefix(prefix).catch(() => {});
    if (err instanceof AppError) throw err;
    throw new InvalidError(`The upload did not complete: ${(err as Error).message}`);
  }
  if (size === 0) {
    await storage.deletePrefix(prefix);
    throw new InvalidError("The uploaded file is empty.");
  }
  await db.prisma.upload.create({ data: { id, createdBy: userId, name: fileName, size: BigInt(size), path: storage.localPath(key) ?? `${storage.location}${key}` } });
  return { uploadId: id, name: fileName, size };
}
