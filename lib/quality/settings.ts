import "server-only";
import type { Db } from "../db/connect";
import { InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";
import { QUEUE_ORDER_INFO, isQueueOrder } from "../queue/order";
import { MARGIN_SETTINGS, QUEUE_KEY_SETTINGS } from "../queue/order-keys";
import { enqueueSettingsRecompute, getSettingsRecompute, queueSettingsRecompute } from "./recompute";
import {
  VERIFIER_RULES,
  ZSettingsPatch,
  type TProjectSettings,
  type TSettingKey,
  type TSettingsPatch,
  type TSettingsResult,
  type TVerifierRule,
} from "./settings-schema";
import { describeKeepRule, parseVerifierScales, type TVerifierScale } from "./scales";

// Each setting's column: fixed SQL text, so a change builds its SET clause from these names only.
const COLUMNS: Record<TSettingKey, string> = {
  overlap: "overlap",
  goldRate: "gold_rate",
  goldMinCount: "gold_min_count",
  goldAccuracyThreshold: "gold_accuracy_threshold",
  goldRecaptionThreshold: "gold_recaption_threshold",
  recaptionDisagreementThreshold: "recaption_disagreement_threshold",
  verifierRule: "verifier_rule",
  verifierScales: "verifier_scales",
  verifierVersion: "verifier_version",
  leaseSeconds: "lease_seconds",
  guidelines: "guidelines",
  queueOrder: "queue_order",
  webImagesInPlace: "web_images_in_place",
};
const SELECT_SETTINGS = Object.entries(COLUMNS).map(([key, column]) => `${column} AS "${key}"`).join(", ");

// REAL columns come back widened from float32 (0.1 → 0.10000000149011612); six significant digits
// give back the number the admin typed, for the form, for comparing and for the audit row.
function tidy(n: number): number {
  return Number(n.toPrecision(6));
}

function toSettings(row: Record<TSettingKey, unknown>): TProjectSettings {
  const rule = String(row.verifierRule);
  return {
    overlap: Number(row.overlap),
    goldRate: tidy(Number(row.goldRate)),
    goldMinCount: Number(row.goldMinCount),
    goldAccuracyThreshold: tidy(Number(row.goldAccuracyThreshold)),
    goldRecaptionThreshold: tidy(Number(row.goldRecaptionThreshold)),
    recaptionDisagreementThreshold: tidy(Number(row.recaptionDisagreementThreshold)),
    verifierRule: (VERIFIER_RULES as readonly string[]).includes(rule) ? (rule as TVerifierRule) : "auto",
    verifierScales: parseVerifierScales(row.verifierScales),
    verifierVersion: row.verifierVersion == null ? null : String(row.verifierVersion),
    leaseSeconds: Number(row.leaseSeconds),
    guidelines: String(row.guidelines),
    queueOrder: isQueueOrder(row.queueOrder) ? row.queueOrder : "import",
    webImagesInPlace: row.webImagesInPlace === true,
  };
}

// Compared at the column's float32 precision, so re-saving a value read back from REAL is no change;
// a declaration by its JSON (the same columns in the same order).
function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Math.fround(a) === Math.fround(b);
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return a === b;
}

export async function getProjectSettings(db: Db, projectId: number): Promise<({ id: number; name: string } & TProjectSettings) | null> {
  const p = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: {
      id: true,
      name: true,
      overlap: true,
      goldRate: true,
      goldMinCount: true,
      goldAccuracyThreshold: true,
      goldRecaptionThreshold: true,
      recaptionDisagreementThreshold: true,
      verifierRule: true,
      verifierScales: true,
      verifierVersion: true,
      leaseSeconds: true,
      guidelines: true,
      queueOrder: true,
      webImagesInPlace: true,
    },
  });
  return p ? { id: p.id, name: p.name, ...toSettings(p) } : null;
}

/**
 * Applies a settings patch with its audit row and answers. What the change means for the pairs runs in the
 * background (lib/quality/recompute.ts), queued in the same transaction: an overlap change reaches open
 * pairs nobody has started (started pairs keep the overlap their annotators were chosen for); a keep- or
 * verifier-rule or version change recomputes the open pairs' queue keys, and a keep-rule or version change
 * every pair's margin (a version change re-copies the active version's output first); a queue order needs nothing more, as every order's key is kept. `enqueue: false` leaves the job to the
 * caller (tests run the recompute themselves; the sweeper would also find it).
 */
export async function updateProjectSettings(
  db: Db,
  projectId: number,
  actorId: number | null,
  rawPatch: TSettingsPatch,
  opts: { enqueue?: boolean } = {},
): Promise<TSettingsResult> {
  // Parse here too: callers other than the route (CLI, tests) get the same messages.
  const parsed = ZSettingsPatch.safeParse(rawPatch);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new InvalidError(issues[0]?.message ?? "Invalid settings.", issues);
  }
  const patch = parsed.data;
  const outcome = await db.transaction(async (tx) => {
    // The row lock makes two admins saving at once apply one after the other, so each audit row's
    // "before" is what the other left. FOR UPDATE (not NO KEY UPDATE) also waits for inserts in flight:
    // the queue-key trigger reads the keep rule FOR KEY SHARE, so the background recompute, which starts after
    // this commits, misses no pair.
    const locked = await tx.query<{ id: number }>(`SELECT id FROM projects WHERE id = $1 FOR UPDATE`, [projectId]);
    if (!locked[0]) throw new NotFoundError("Project not found.");
    const [row] = await tx.query<Record<TSettingKey, unknown>>(`SELECT ${SELECT_SETTINGS} FROM projects WHERE id = $1`, [projectId]);
    const before = toSettings(row!);
    const changes: Partial<Record<TSettingKey, { before: unknown; after: unknown }>> = {};
    const data: Partial<TProjectSettings> = {};
    for (const key of Object.keys(patch) as TSettingKey[]) {
      const after = patch[key];
      if (after === undefined || sameValue(before[key], after)) continue;
      changes[key] = { before: before[key], after };
      (data as Record<string, unknown>)[key] = after;
    }
    const changed = Object.keys(changes) as TSettingKey[];
    if (changed.length === 0) return { settings: before, changed, queued: false };
    // Audit first, update second: the update is the statement the database may still refuse (its
    // CHECKs are the last word on the bounds), and the refusal must take the audit row with it.
    await recordAudit(tx, {
      actorId,
      action: "project.updated",
      subjectType: "project",
      subjectId: String(projectId),
      data: { changes: changes as Record<string, { before: string | number; after: string | number }> },
    });
    const keys = Object.keys(data) as TSettingKey[];
    const [updated] = await tx.query<Record<TSettingKey, unknown>>(
      // The declaration goes as JSON text: a driver would send a JS array as a Postgres array.
      `UPDATE projects SET ${keys.map((k, i) => `${COLUMNS[k]} = $${i + 2}${k === "verifierScales" ? "::jsonb" : ""}`).join(", ")}, updated_at = now()
       WHERE id = $1 RETURNING ${SELECT_SETTINGS}`,
      [projectId, ...keys.map((k) => (k === "verifierScales" ? JSON.stringify(data[k]) : data[k]))],
    );
    const work = {
      overlap: changed.includes("overlap"),
      keys: changed.some((k) => (QUEUE_KEY_SETTINGS as readonly string[]).includes(k)),
      margins: changed.some((k) => (MARGIN_SETTINGS as readonly string[]).includes(k)),
      copy: changed.includes("verifierVersion"),
    };
    if (work.overlap || work.keys) await queueSettingsRecompute(tx, projectId, actorId, work);
    return { settings: toSettings(updated!), changed, queued: work.overlap || work.keys };
  });
  if (outcome.queued && opts.enqueue !== false) await enqueueSettingsRecompute(db, projectId);
  const recompute = outcome.queued ? await getSettingsRecompute(db, projectId) : null;
  return { settings: outcome.settings, changed: outcome.changed, recompute };
}

const PERCENT_KEYS: ReadonlySet<string> = new Set(["goldRate", "goldAccuracyThreshold"]);
export const SETTING_LABELS: Record<TSettingKey, string> = {
  overlap: "overlap",
  goldRate: "gold rate",
  goldMinCount: "minimum gold checks",
  goldAccuracyThreshold: "gold accuracy threshold",
  goldRecaptionThreshold: "gold re-caption threshold",
  recaptionDisagreementThreshold: "re-caption disagreement threshold",
  verifierRule: "verifier rule",
  verifierScales: "verifier score columns",
  verifierVersion: "active verifier version",
  leaseSeconds: "lease (seconds)",
  guidelines: "guidelines",
  queueOrder: "queue order",
  webImagesInPlace: "web images in place",
};

/** "gold rate 0% → 10%" for the audit log; guidelines are long, so only their length is named. */
export function describeSettingChange(key: string, before: unknown, after: unknown): string {
  const label = (SETTING_LABELS as Record<string, string>)[key] ?? key;
  if (key === "verifierScales" && Array.isArray(before) && Array.isArray(after)) {
    const cols = (v: TVerifierScale[]) => `${v.map((s) => `${s.key} ${s.min}–${s.max}`).join(", ") || "none"} (keep: ${describeKeepRule(v)})`;
    return `${label} ${cols(before as TVerifierScale[])} → ${cols(after as TVerifierScale[])}`;
  }
  if (key === "guidelines") return `${label} rewritten (${String(before ?? "").length} → ${String(after ?? "").length} characters)`;
  const show = (v: unknown) =>
    PERCENT_KEYS.has(key) && typeof v === "number"
      ? `${tidy(v * 100)}%`
      : key === "queueOrder" && isQueueOrder(v)
        ? QUEUE_ORDER_INFO[v].label.toLowerCase()
        : typeof v === "string" || typeof v === "number"
          ? String(v)
          : JSON.stringify(v);
  return `${label} ${show(before)} → ${show(after)}`;
}
