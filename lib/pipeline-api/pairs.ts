import "server-only";
import { requireProjectWritable } from "../auth/project-access";
import type { Storage } from "../storage/types";
import type { Db } from "../db/connect";
import { InvalidError, NotFoundError } from "../errors";
import type { ResolveConfig } from "../images/resolve";
import { ImagePipeline } from "../imports/image-pipeline";
import { insertPrepared, outputOf, prepareBatch, recordPresentOutputs, type PresentRow } from "../imports/run";
import type { TMapping, TRawRecord } from "../imports/types";
import { parseVerifierScales, type TVerifierScale } from "../quality/scales";
import { ZApiPairInput, type TPairOutcome, type TPostPairsResponse } from "./schemas";

// POST /api/v1/projects/:projectId/pairs: candidate pairs through the import's own validation, images and
// insert, so a posted pair is what an import of the same manifest line makes. A repeated id answers "duplicate".

/** The manifest field names the API accepts, mapped as the import maps a manifest with these columns. */
const API_MAPPING: TMapping = {
  externalId: "id",
  instruction: "instruction",
  instructionCn: "instruction_cn",
  task: "task",
  subtask: "subtask",
  source: "source_image",
  edited: "edited_image",
  mask: "mask_image",
  sessionId: "session_id",
  turn: "turn",
  vsInstructionFollowing: "vs_instruction_following",
  vsEditingConsistency: "vs_editing_consistency",
  vsGenerationQuality: "vs_generation_quality",
  vsOverall: "vs_overall",
  verifierValid: "verifier_valid",
  verifierFailureClass: "verifier_failure_class",
  verifierRecaption: "verifier_recaption",
  modelVersion: "model_version",
  gold: "gold",
  goldDecision: "gold_decision",
  goldReasons: "gold_reasons",
  goldInstruction: "gold_instruction",
  metadata: ["metadata"],
  dedupe: "externalId",
};

const FIELDS = new Set(Object.keys(ZApiPairInput.shape));

export interface TPostPairsContext {
  actorId: number;
  /** The token the request came with (for the audit row); null for a session. */
  tokenId: number | null;
  dataDir: string;
  /** Where images go; the local store in dataDir when absent. */
  storage?: Storage;
  resolve: ResolveConfig;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An item as a raw record for the import's mapping, or the reason it cannot be one. */
function toRecord(item: unknown, index: number): TRawRecord {
  const loc = { file: "request", index };
  if (!isPlainObject(item)) return { ok: false, loc, reason: "expected an object with id, instruction, source_image and edited_image" };
  const unknown = Object.keys(item).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) {
    const names = unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 60))).join(", ");
    return { ok: false, loc, reason: `unknown field ${names}: put extra data under "metadata"` };
  }
  // As in a manifest without a gold column: an expected decision alone makes the pair gold.
  const values = "gold" in item ? item : { ...item, gold: item.gold_decision !== undefined && item.gold_decision !== null };
  if (values.metadata !== undefined && values.metadata !== null && !isPlainObject(values.metadata)) {
    return { ok: false, loc, reason: 'field "metadata": expected an object' };
  }
  return { ok: true, loc, values };
}

// Not a field name an item can have (FIELDS is checked first): the declared scores read from here.
const SCORE_PREFIX = "scores.";

/** An item's `scores` object spread into one value per key, so the mapping reads each as a column. */
function flattenScores(rec: TRawRecord): TRawRecord {
  if (!rec.ok) return rec;
  const { scores, ...rest } = rec.values;
  if (scores === undefined || scores === null) return rec;
  if (!isPlainObject(scores)) return { ok: false, loc: rec.loc, reason: 'field "scores": expected an object of numbers keyed by the project\'s score keys' };
  const flat: Record<string, unknown> = { ...rest };
  for (const [k, v] of Object.entries(scores)) flat[`${SCORE_PREFIX}${k}`] = v;
  return { ...rec, values: flat };
}

/** The import names the column a problem is in; here it is a field of the item. */
function asFieldReason(reason: string): string {
  return reason.replace(/^column "/, 'field "');
}

function externalIdOf(item: unknown): string | null {
  if (!isPlainObject(item)) return null;
  const id = item.id;
  if (typeof id === "string") return id.trim() || null;
  if (typeof id === "number" && Number.isFinite(id)) return String(id);
  return null;
}

// The older ScaleEdit score fields, by the declared key each one fills.
const LEGACY_SCORE_FIELDS: [string, string][] = [
  ["vs_instruction_following", "instruction_following"],
  ["vs_editing_consistency", "editing_consistency"],
  ["vs_generation_quality", "generation_quality"],
  ["vs_overall", "overall"],
];

/**
 * Refuses the whole request when an item scores under a key the project does not declare: that is the
 * caller's configuration, not one bad item, and silently dropping the score would lose it.
 */
function refuseUndeclaredScores(items: unknown[], scales: readonly TVerifierScale[]): void {
  const declared = new Set(scales.map((s) => s.key));
  const list = scales.length ? scales.map((s) => `"${s.key}"`).join(", ") : "none";
  items.forEach((item, index) => {
    if (!isPlainObject(item)) return;
    const keys: [string, string][] = [];
    if (isPlainObject(item.scores)) for (const k of Object.keys(item.scores)) keys.push([k, `scores.${k}`]);
    for (const [field, k] of LEGACY_SCORE_FIELDS) if (item[field] !== undefined && item[field] !== null) keys.push([k, field]);
    const bad = keys.find(([k]) => !declared.has(k));
    if (bad) {
      const [k, field] = bad;
      throw new InvalidError(
        `Item ${index}${externalIdOf(item) ? ` (id "${externalIdOf(item)!.slice(0, 60)}")` : ""}: the score key "${k.slice(0, 60)}" (field "${field.slice(0, 80)}") ` +
          `is not declared by this project (declared: ${list}). Declare it in the project's settings or leave it out.`,
      );
    }
  });
}

export async function postPairs(db: Db, projectId: number, items: unknown[], ctx: TPostPairsContext): Promise<TPostPairsResponse> {
  await requireProjectWritable(db, projectId);
  const [project] = await db.query<{ reason_codes: string[]; verifier_scales: unknown; web_images_in_place: boolean }>(
    `SELECT ARRAY(SELECT e->>'code' FROM jsonb_array_elements(CASE WHEN jsonb_typeof(reject_reasons) = 'array'
                                                           THEN reject_reasons ELSE '[]' END) e) AS reason_codes, verifier_scales,
            web_images_in_place
       FROM projects WHERE id = $1`,
    [projectId],
  );
  if (!project) throw new NotFoundError("Project not found.");

  const records = items.map(toRecord);
  // The pipeline's caches live for this request only: a URL may name other bytes tomorrow.
  const pipeline = new ImagePipeline(db, ctx.storage ?? ctx.dataDir, { ...ctx.resolve, webInPlace: project.web_images_in_place });
  const scales = parseVerifierScales(project.verifier_scales);
  refuseUndeclaredScores(items, scales);
  // The item's `scores` object is read as one column per declared key.
  const mapping: TMapping = { ...API_MAPPING, scores: Object.fromEntries(scales.map((s) => [s.key, `${SCORE_PREFIX}${s.key}`])) };
  const batch = await prepareBatch(db, pipeline, { projectId, mapping, reasonCodes: project.reason_codes, scales }, records.map(flattenScores), 6);
  // The mapping keeps the "metadata" field under its own name, as it keeps any column; here it is the metadata.
  for (const r of batch.ready) {
    const { metadata: own, ...rest } = r.c.metadata;
    r.c.metadata = { ...(isPlainObject(own) ? own : {}), ...rest };
  }

  const { ids } = await db.transaction(async (tx) => {
    const result = await insertPrepared(tx, projectId, batch, { ids: true });
    // An item for a pair already there may bring another verifier version's output: kept with the pair.
    // So may a later item of this request with the same id (one item per pair and verifier version).
    const first = new Set<string>();
    const repeats: PresentRow[] = [];
    for (const r of batch.ready) {
      const pairId = result.ids.get(r.externalId);
      if (pairId === undefined) continue;
      if (first.has(r.externalId)) repeats.push({ loc: r.loc, externalId: r.externalId, pairId, output: outputOf(r.c) });
      else first.add(r.externalId);
    }
    await recordPresentOutputs(tx, [...batch.duplicates, ...repeats]);
    if (result.inserted > 0) {
      await tx.query(
        `INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data) VALUES ($1, 'api.pairs', 'project', $2, $3::jsonb)`,
        [ctx.actorId, String(projectId), JSON.stringify({ projectId, tokenId: ctx.tokenId, created: result.inserted, posted: items.length })],
      );
    }
    return result;
  });

  const outcomes: TPairOutcome[] = items.map((item, index) => ({ index, externalId: externalIdOf(item), status: "duplicate", pairId: null }));
  for (const b of batch.bad) Object.assign(outcomes[b.loc.index]!, { status: "invalid", reason: asFieldReason(b.reason) });
  // The first item inserted under an id is "created"; a later item of this request with the same id is a duplicate of it.
  const firstIndex = new Map<string, number>();
  for (const r of batch.ready) {
    const pairId = ids.get(r.externalId);
    if (pairId !== undefined && !firstIndex.has(r.externalId)) {
      firstIndex.set(r.externalId, r.loc.index);
      Object.assign(outcomes[r.loc.index]!, { status: "created", externalId: r.externalId, pairId });
    }
  }
  const duplicates = outcomes.filter((o) => o.status === "duplicate");
  const dupIds = [...new Set(duplicates.map((o) => o.externalId).filter((x): x is string => x !== null))];
  if (dupIds.length > 0) {
    const existing = await db.query<{ id: string; external_id: string }>(
      "SELECT id::text, external_id FROM pairs WHERE project_id = $1 AND external_id = ANY($2::text[])",
      [projectId, dupIds],
    );
    const byExternal = new Map(existing.map((r) => [r.external_id, r.id]));
    for (const o of duplicates) {
      o.pairId = o.externalId === null ? null : (byExternal.get(o.externalId) ?? null);
      const first = o.externalId === null ? undefined : firstIndex.get(o.externalId);
      o.reason = first !== undefined && first < o.index ? `same id as item ${first} of this request` : "the project already has a pair with this id";
    }
  }
  return {
    created: outcomes.filter((o) => o.status === "created").length,
    duplicates: duplicates.length,
    invalid: outcomes.filter((o) => o.status === "invalid").length,
    items: outcomes,
  };
}
