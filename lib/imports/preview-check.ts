import "server-only";
import { ImageRefError, loadImageBytes, type ResolveConfig } from "../images/resolve";
import { InvalidImageError } from "../images/store";
import { checkImage } from "../images/pool";
import { mapRecord, recordIdOf, type TMapContext } from "./mapping";
import { cheapStarts, ImportFileError, readRecords, type TReadOptions } from "./sources";
import type { TImportFile } from "./run";
import type { TImageCheck, TPreviewProblem } from "./schemas";
import type { TImageRef, TImportFormat, TMapping, TRawRecord } from "./types";

// The preview resolves a sample of rows' images the way the import will (path under the image root, URL
// through the fetch policy and its sha256, bytes that decode) so a wrong root or a refused host shows before
// the import starts. It stores nothing: the bytes are read, checked and dropped.

/** Rows read beyond the preview's first ones, spread over the files and row groups. */
const SPREAD_ROWS = 6;
/** Checks not started by then are counted as unchecked: the preview answers while the admin waits. */
const CHECK_BUDGET_MS = 10_000;
const CONCURRENCY = 4;
const MAX_PROBLEMS = 10;

/** Record positions spread evenly over what can be reached without reading through a file. */
export async function spreadSample(
  files: TImportFile[],
  format: TImportFormat,
  opts: TReadOptions,
  headRows: number,
): Promise<TRawRecord[]> {
  const candidates: { file: TImportFile; index: number }[] = [];
  for (const [i, file] of files.entries()) {
    const starts = i === 0 ? await cheapStarts(file.path, format, file.display) : [0];
    for (const index of starts) if (i > 0 || index >= headRows) candidates.push({ file, index });
  }
  const picked = candidates.length <= SPREAD_ROWS
    ? candidates
    : Array.from({ length: SPREAD_ROWS }, (_, k) => candidates[Math.floor(((k + 0.5) * candidates.length) / SPREAD_ROWS)]!);
  const out: TRawRecord[] = [];
  for (const { file, index } of picked) {
    const stream = readRecords(file.path, format, { ...opts, skip: index, displayName: file.display, parts: file.parts });
    try {
      for await (const rec of stream) {
        out.push(rec);
        break;
      }
    } catch (err) {
      // A file that breaks off is the import's to report (it fails there with its message); the sample skips it.
      if (!(err instanceof ImportFileError)) throw err;
    }
  }
  return out;
}

function refKey(ref: TImageRef): string | null {
  if (ref.kind === "path") return `p:${ref.path}`;
  if (ref.kind === "url") return `u:${ref.sha256 ?? ""}:${ref.url}`;
  if (ref.kind === "object") return `o:${ref.url}`;
  return null;
}

/** What the import's image pipeline would refuse, as its message ("source image: image file not found: a.jpg"). */
async function imageProblem(ref: TImageRef, cfg: ResolveConfig): Promise<string | null> {
  try {
    // Embedded bytes go to the store as they are (the fetch size limit is for downloads); the pool checks
    // them as the import does (hash and full decode).
    const bytes = ref.kind === "bytes" ? Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength) : await loadImageBytes(ref, cfg);
    if (bytes.length === 0) return "the image is empty (0 bytes)";
    await checkImage(bytes);
    return null;
  } catch (err) {
    if (err instanceof ImageRefError || err instanceof InvalidImageError) return err.message;
    throw err;
  }
}

/**
 * Resolves the images of `head` (the preview rows) and `spread` (rows further on) without storing them.
 * Rows of `spread` that the mapping refuses are problems too; `head` rows show their own in the preview table.
 */
export async function checkSampleImages(
  head: TRawRecord[],
  spread: TRawRecord[],
  mapping: TMapping,
  cfg: ResolveConfig,
  ctx: TMapContext,
  // Paths that point into the import's archives are found when the import reads them (decision 013), not here.
  opts: { archives?: boolean } = {},
): Promise<{ check: TImageCheck; byRecord: Map<TRawRecord, string> }> {
  // Sorted by row, then by image within the row, whatever order the checks finish in.
  const problems: (TPreviewProblem & { order: number; seq: number })[] = [];
  const byRecord = new Map<TRawRecord, string>();
  const tasks: { rec: TRawRecord; order: number; what: string; ref: TImageRef; externalId: string | null }[] = [];
  for (const [order, rec] of [...head, ...spread].entries()) {
    const inHead = order < head.length;
    if (!rec.ok) {
      if (!inHead) problems.push({ order, seq: -1, loc: rec.loc, externalId: null, reason: rec.reason });
      continue;
    }
    const m = mapRecord(rec.values, mapping, ctx);
    if (!m.ok) {
      if (!inHead) problems.push({ order, seq: -1, loc: rec.loc, externalId: recordIdOf(rec.values, mapping), reason: m.reason });
      continue;
    }
    const c = m.candidate;
    const refs: [string, TImageRef | null][] = [["source image", c.source], ["edited image", c.edited], ["mask image", c.mask], ["reference image", c.reference]];
    for (const [what, ref] of refs) if (ref && !(opts.archives && ref.kind === "path")) tasks.push({ rec, order, what, ref, externalId: c.externalId });
  }

  const deadline = Date.now() + CHECK_BUDGET_MS;
  const seen = new Map<string, Promise<string | null>>();
  let next = 0;
  let checked = 0;
  const worker = async () => {
    while (next < tasks.length && Date.now() < deadline) {
      const seq = next++;
      const t = tasks[seq]!;
      const key = refKey(t.ref);
      let p = key ? seen.get(key) : undefined;
      if (!p) {
        p = imageProblem(t.ref, cfg);
        if (key) seen.set(key, p);
      }
      const reason = await p;
      checked++;
      if (reason === null) continue;
      const full = `${t.what}: ${reason}`;
      problems.push({ order: t.order, seq, loc: t.rec.loc, externalId: t.externalId, reason: full });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, worker));

  problems.sort((a, b) => a.order - b.order || a.seq - b.seq);
  const all = [...head, ...spread];
  for (const p of problems) {
    const rec = all[p.order]!;
    if (p.seq >= 0 && !byRecord.has(rec)) byRecord.set(rec, p.reason);
  }
  return {
    check: {
      rows: head.length + spread.length,
      images: checked,
      unchecked: tasks.length - checked,
      problems: problems.slice(0, MAX_PROBLEMS).map(({ loc, externalId, reason }) => ({ loc, externalId, reason })),
    },
    byRecord,
  };
}
