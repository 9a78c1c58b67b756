import { createHash } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { TExportImage, TExportReason, TExportRow, TOpenWriter, TSplit, TWriterContext, TWriterResult } from "../types";
import type { TCanonicalLine } from "./canonical-schema";

// The canonical JSONL format (./canonical-schema.ts). The export job writes lines built in SQL as text
// (openCanonicalTextWriter), which is what makes it fast; toCanonical/fromCanonical map that line to and
// from TExportRow, so the other formats read the same SQL and openCanonicalWriter writes the same lines.

function reasonOut(r: TExportReason): TCanonicalLine["final"]["reasons"][number] {
  return { code: r.code, label: r.label, dimension: r.dimension };
}

function imageOut(i: TExportImage): TCanonicalLine["images"]["source"] {
  return { sha256: i.sha256, mime: i.mime, width: i.width, height: i.height };
}

export function toCanonical(r: TExportRow): TCanonicalLine {
  return {
    pair_id: r.pairId,
    external_id: r.externalId,
    project: { id: r.projectId, name: r.projectName },
    task: r.task,
    subtask: r.subtask,
    instruction: r.instruction,
    instruction_cn: r.instructionCn,
    session_id: r.sessionId ?? null,
    turn: r.turn ?? null,
    images: {
      source: imageOut(r.sourceImage),
      edited: imageOut(r.editedImage),
      mask: r.maskImage ? imageOut(r.maskImage) : null,
      reference: r.referenceImage ? imageOut(r.referenceImage) : null,
    },
    final: {
      decision: r.finalDecision,
      instruction: r.finalInstruction,
      reasons: r.finalReasons.map(reasonOut),
      source: r.finalSource as TCanonicalLine["final"]["source"],
      finalized_at: r.finalizedAt,
    },
    agreement: r.agreement,
    review: r.review ? { reasons: r.review.reasons, reviewer_id: r.review.reviewerId, reviewed_at: r.review.reviewedAt, note: r.review.note } : null,
    labels: r.labels.map((l) => ({
      annotator_id: l.annotatorId,
      decision: l.decision,
      reasons: l.reasons.map(reasonOut),
      recaption: l.recaption,
      seconds: l.secondsSpent,
      created_at: l.createdAt,
    })),
    verifier: {
      valid: r.verifier.valid,
      failure_class: r.verifier.failureClass,
      recaption: r.verifier.recaption,
      scores: r.verifier.scores,
      keep: r.verifier.keep,
      model_version: r.verifier.modelVersion,
    },
    is_gold: r.isGold,
    metadata: r.metadata,
    split: r.split,
  };
}

function reasonIn(r: TCanonicalLine["final"]["reasons"][number]): TExportReason {
  return { code: r.code, label: r.label, dimension: r.dimension };
}

function imageIn(i: TCanonicalLine["images"]["source"]): TExportImage {
  return { sha256: i.sha256, mime: i.mime, width: i.width, height: i.height };
}

export function fromCanonical(c: TCanonicalLine): TExportRow {
  return {
    pairId: c.pair_id,
    projectId: c.project.id,
    projectName: c.project.name,
    externalId: c.external_id,
    task: c.task,
    subtask: c.subtask,
    instruction: c.instruction,
    instructionCn: c.instruction_cn,
    sessionId: c.session_id,
    turn: c.turn,
    sourceImage: imageIn(c.images.source),
    editedImage: imageIn(c.images.edited),
    maskImage: c.images.mask ? imageIn(c.images.mask) : null,
    referenceImage: c.images.reference ? imageIn(c.images.reference) : null,
    finalDecision: c.final.decision,
    finalInstruction: c.final.instruction,
    finalReasons: c.final.reasons.map(reasonIn),
    finalSource: c.final.source,
    finalizedAt: c.final.finalized_at,
    agreement: c.agreement,
    review: c.review ? { reasons: c.review.reasons, reviewerId: c.review.reviewer_id, reviewedAt: c.review.reviewed_at, note: c.review.note } : null,
    labels: c.labels.map((l) => ({
      annotatorId: l.annotator_id,
      decision: l.decision,
      reasons: l.reasons.map(reasonIn),
      recaption: l.recaption,
      secondsSpent: l.seconds,
      createdAt: l.created_at,
    })),
    verifier: {
      valid: c.verifier.valid,
      failureClass: c.verifier.failure_class,
      recaption: c.verifier.recaption,
      scores: c.verifier.scores,
      keep: c.verifier.keep,
      modelVersion: c.verifier.model_version,
    },
    isGold: c.is_gold,
    metadata: c.metadata,
    split: c.split,
  };
}

/** A file written in order, hashed as it goes (the manifest's checksum without reading the file again). */
export class HashedFile {
  private readonly out: WriteStream;
  private readonly hash = createHash("sha256");
  private failed: Error | null = null;
  bytes = 0;

  constructor(readonly file: string) {
    // Large buffer: a page of canonical lines arrives at once; fewer, larger writes.
    this.out = createWriteStream(file, { highWaterMark: 4 * 1024 * 1024 });
    this.out.on("error", (err) => {
      this.failed = err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    const buf = Buffer.from(text, "utf8");
    this.hash.update(buf);
    this.bytes += buf.length;
    if (!this.out.write(buf)) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error) => {
          this.out.off("drain", done);
          this.out.off("error", done);
          if (err) reject(err);
          else resolve();
        };
        this.out.once("drain", done);
        this.out.once("error", done);
      });
    }
  }

  /** Flushes and closes; the sha256 (hex) of everything written. */
  async close(): Promise<string> {
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => this.out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return this.hash.digest("hex");
  }

  async discard(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (this.out.closed) resolve();
      else this.out.destroy().once("close", () => resolve());
    });
    await rm(this.file, { force: true });
  }
}

export interface TCanonicalTextResult extends TWriterResult {
  sha256: string;
  bytes: number;
}

export interface TCanonicalTextWriter {
  /** Appends whole lines (each ending in "\n"), `records` of them, with their split counts. */
  writeText(text: string, records: number, splits: Record<TSplit, number>): Promise<void>;
  finish(): Promise<TCanonicalTextResult>;
  abort(): Promise<void>;
}

export function canonicalFileName(ctx: Pick<TWriterContext, "baseName">): string {
  return `${ctx.baseName}.jsonl`;
}

export async function openCanonicalTextWriter(ctx: TWriterContext): Promise<TCanonicalTextWriter> {
  const name = canonicalFileName(ctx);
  const file = new HashedFile(path.join(ctx.dir, name));
  let records = 0;
  const splits: Record<TSplit, number> = { train: 0, validation: 0 };
  return {
    async writeText(text, n, s) {
      await file.write(text);
      records += n;
      splits.train += s.train;
      splits.validation += s.validation;
    },
    async finish() {
      const sha256 = await file.close();
      return { dataFile: name, files: [name], records, splits, sha256, bytes: file.bytes };
    },
    abort: () => file.discard(),
  };
}

/** The TFormatWriter for canonical, from rows: the same lines the SQL builds (see the DB test). */
export const openCanonicalWriter: TOpenWriter = async (ctx) => {
  const text = await openCanonicalTextWriter(ctx);
  return {
    async write(rows) {
      if (rows.length === 0) return;
      const splits: Record<TSplit, number> = { train: 0, validation: 0 };
      let out = "";
      for (const r of rows) {
        out += JSON.stringify(toCanonical(r)) + "\n";
        splits[r.split]++;
      }
      await text.writeText(out, rows.length, splits);
    },
    async finish() {
      const { sha256: _sha, bytes: _bytes, ...result } = await text.finish();
      return result;
    },
    abort: () => text.abort(),
  };
};
