import "server-only";
import type { Db } from "../db/connect";
import { ImageProblem, type ImagePipeline } from "./image-pipeline";
import { MemberTooLargeError, normalizeMemberName, readTar } from "./readers/tar";
import type { TPart } from "./readers/stream";

// Annotations whose image paths point inside tar archives (ImgEdit, GPT-Image-Edit, SEED-Data-Edit): before
// the rows, each archive is streamed once, every image member goes to the image store, and its path → sha256
// is recorded in import_archive_members; rows then resolve paths through that table. A tar.gz cannot seek,
// so a resumed scan reads the archive again from the start, passing (not storing) the members its checkpoint
// covers. Decision 013.

export interface TArchiveFile {
  path: string;
  display: string;
  size: number;
  parts?: TPart[];
}

const IMAGE_MEMBER = /\.(jpe?g|png|webp|gif|bmp|tiff?|avif|heic|heif)$/i;

/** Members committed at a time, and the image bytes that end a batch early. */
const SCAN_BATCH_MEMBERS = 500;
const SCAN_BATCH_BYTES = 64 * 1024 * 1024;

/** The form paths are compared in: forward slashes, no "./" or leading slash. */
export function archivePath(p: string): string {
  return normalizeMemberName(p);
}

export interface TScanArgs {
  importId: string;
  archives: TArchiveFile[];
  /** The checkpoint: the archive being read and how many of its members are done. */
  from: { archive: number; member: number };
  pipeline: ImagePipeline;
  maxBytes: number;
  concurrency: number;
  batchMembers?: number;
  /** True once the job's time slice is spent: the scan stops at the next commit. */
  outOfTime: () => boolean;
  afterBatch?: () => void | Promise<void>;
}

type TMemberRow = { path: string; sha256: string | null; problem: string | null };

/** "done" when every archive is recorded, "paused" when the slice ran out, "lost" when the checkpoint moved under us. */
export async function scanArchives(db: Db, a: TScanArgs): Promise<"done" | "paused" | "lost"> {
  let at = { ...a.from };
  const bytesBefore = (i: number) => a.archives.slice(0, i).reduce((s, f) => s + f.size, 0);
  for (let ai = a.from.archive; ai < a.archives.length; ai++) {
    const archive = a.archives[ai]!;
    const skip = ai === a.from.archive ? a.from.member : 0;
    const tar = readTar(archive.parts ?? [{ path: archive.path, size: archive.size }], archive.display);
    let rows = new Map<string, TMemberRow>();
    let rowBytes = 0;
    let passed = skip;
    let inflight: Promise<void>[] = [];
    const settle = async () => {
      await Promise.all(inflight);
      inflight = [];
    };
    const commit = async (to: { archive: number; member: number }) => {
      await settle();
      const batch = [...rows.values()];
      rows = new Map();
      rowBytes = 0;
      const bytes = bytesBefore(ai) + Math.min(archive.size, tar.bytesRead());
      const ok = await db.transaction(async (tx) => {
        if (batch.length > 0) {
          await tx.query(
            `INSERT INTO import_archive_members (import_id, path, sha256, problem)
             SELECT $1, t.path, t.sha256, t.problem FROM unnest($2::text[], $3::text[], $4::text[]) AS t(path, sha256, problem)
             ON CONFLICT (import_id, path) DO UPDATE SET sha256 = EXCLUDED.sha256, problem = EXCLUDED.problem`,
            [a.importId, batch.map((r) => r.path), batch.map((r) => r.sha256), batch.map((r) => r.problem)],
          );
        }
        const moved = await tx.query(
          `UPDATE imports SET archive_index = $4, archive_member = $5, bytes_done = $6, updated_at = now(), failures = 0
            WHERE id = $1 AND archive_index = $2 AND archive_member = $3 AND status = 'running' RETURNING 1`,
          [a.importId, at.archive, at.member, to.archive, to.member, bytes],
        );
        return moved.length > 0;
      });
      if (!ok) return false;
      at = to;
      await a.afterBatch?.();
      return true;
    };

    for await (const member of tar.members) {
      if (member.index < skip) continue;
      passed = member.index + 1;
      if (!member.isFile || !IMAGE_MEMBER.test(member.name)) continue;
      const name = member.name;
      let body: Buffer;
      try {
        body = await member.read(a.maxBytes);
      } catch (err) {
        if (!(err instanceof MemberTooLargeError)) throw err;
        rows.set(name, { path: name, sha256: null, problem: `archive member ${name} is larger than ${Math.round(a.maxBytes / 1024 / 1024)} MB` });
        continue;
      }
      rowBytes += body.length;
      // Storing (hash, decode for the preview) overlaps the reading of the next members.
      const stored = a.pipeline.resolve({ kind: "bytes", bytes: body }, `archive member ${name}`).then(
        (img) => void rows.set(name, { path: name, sha256: img.sha256, problem: null }),
        (err) => {
          if (!(err instanceof ImageProblem)) throw err;
          rows.set(name, { path: name, sha256: null, problem: err.message });
        },
      );
      stored.catch(() => {}); // awaited in settle(); this only keeps a failure from being "unhandled" meanwhile
      inflight.push(stored);
      if (inflight.length >= a.concurrency) await settle();
      if (rows.size + inflight.length >= (a.batchMembers ?? SCAN_BATCH_MEMBERS) || rowBytes >= SCAN_BATCH_BYTES) {
        if (!(await commit({ archive: ai, member: passed }))) return "lost";
        if (a.outOfTime()) return "paused";
      }
    }
    if (!(await commit({ archive: ai + 1, member: 0 }))) return "lost";
    if (ai + 1 < a.archives.length && a.outOfTime()) return "paused";
  }
  return "done";
}

export type TArchiveHit = { kind: "member"; sha256: string } | { kind: "problem"; message: string };

// Exact path first; else the members whose path ends in "/<path>" (annotation paths are often relative to a
// subset folder inside the archive): one is the image, two are ambiguous.
const LOOKUP_SQL = `
SELECT r.ref, m.path, m.sha256, m.problem, m.exact
  FROM unnest($2::text[]) AS r(ref)
  CROSS JOIN LATERAL (
    (SELECT path, sha256, problem, true AS exact FROM import_archive_members WHERE import_id = $1 AND path = r.ref)
    UNION ALL
    (SELECT path, sha256, problem, false FROM import_archive_members
      WHERE import_id = $1
        AND reverse(path) COLLATE "C" >= (reverse(r.ref) || '/') COLLATE "C"
        AND reverse(path) COLLATE "C" < (reverse(r.ref) || '0') COLLATE "C"
      LIMIT 2)
  ) m`;

/** The archive members the rows' image paths name, by normalised path. */
export async function lookupArchiveMembers(db: Db, importId: string, paths: string[]): Promise<Map<string, TArchiveHit>> {
  const refs = [...new Set(paths.map(archivePath))];
  const out = new Map<string, TArchiveHit>();
  if (refs.length === 0) return out;
  const rows = await db.query<{ ref: string; path: string; sha256: string | null; problem: string | null; exact: boolean }>(LOOKUP_SQL, [importId, refs], "loupe_archive_lookup");
  const byRef = new Map<string, typeof rows>();
  for (const r of rows) byRef.set(r.ref, [...(byRef.get(r.ref) ?? []), r]);
  for (const [ref, hits] of byRef) {
    const exact = hits.find((h) => h.exact);
    const suffix = hits.filter((h) => !h.exact);
    const hit = exact ?? (suffix.length === 1 ? suffix[0] : undefined);
    if (hit) {
      out.set(ref, hit.sha256 ? { kind: "member", sha256: hit.sha256.trim() } : { kind: "problem", message: hit.problem ?? "the archive member is not an image" });
    } else {
      out.set(ref, {
        kind: "problem",
        message: `"${ref}" matches several archive members (${suffix.map((h) => h.path).join(", ")}, …); set the image path prefix to the folder it is relative to`,
      });
    }
  }
  return out;
}
