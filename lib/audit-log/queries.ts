import "server-only";
import { z } from "zod";
import type { Db } from "../db/connect";
import { describeSettingChange } from "../quality/settings";

export const AUDIT_PAGE_SIZE = 50;

/** Actions the app writes (grep recordAudit and `INSERT INTO audit_events`), offered before the first one happens. */
export const KNOWN_AUDIT_ACTIONS = [
  "label.create",
  "label.undo",
  "review.adjudicate",
  "review.undo",
  "gold.promote",
  "gold.update",
  "gold.retire",
  "gold.activate",
  "annotator.paused",
  "annotator.unpaused",
  "import.created",
  "import.cancelled",
  "import.resumed",
  "import.finished",
  "import.failed",
  "user.create",
  "user.role",
  "user.disable",
  "user.enable",
  "auth.signin",
  "auth.signin_failed",
  "auth.locked",
  "auth.signout_everywhere",
  "auth.password_changed",
  "auth.reset_link",
  "auth.password_reset",
  "project.created",
  "project.updated",
  "project.overlap_applied",
  "api_token.create",
  "api_token.revoke",
  "api.pairs",
  "webhook.create",
  "webhook.update",
  "webhook.delete",
  "webhook.rotate_secret",
  "webhook.redeliver",
  "webhook.test",
  "export.create",
  "export.cancel",
  "export.filter.save",
  "export.filter.delete",
  "project.queue_keys_applied",
  "pair.send_to_review",
  "pair.reopen",
] as const;

const LOCAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** The audit page's GET parameters: `from`/`to` are local to `tz`, turned into instants by the database (DST-safe). */
export const ZAuditQuery = z.object({
  actor: z.preprocess(blankToUndefined, z.union([z.literal("system"), z.coerce.number().int().positive()]).optional()),
  action: z.preprocess(blankToUndefined, z.string().max(100).regex(/^[a-z0-9_.*-]+$/i, "Unknown action.").optional()),
  from: z.preprocess(blankToUndefined, z.string().regex(LOCAL_TIME, "From must be a date and time.").optional()),
  to: z.preprocess(blankToUndefined, z.string().regex(LOCAL_TIME, "To must be a date and time.").optional()),
  tz: z.preprocess(
    blankToUndefined,
    z.string().max(64).refine(validTimeZone, "Unknown time zone.").optional(),
  ),
  cursor: z.preprocess(blankToUndefined, z.string().regex(/^\d{1,19}$/, "Bad page cursor.").optional()),
});
export type TAuditQuery = z.infer<typeof ZAuditQuery>;

export interface TAuditEvent {
  id: string;
  createdAt: Date;
  actorId: number | null;
  actorName: string | null;
  action: string;
  subjectType: string;
  subjectId: string | null;
  /** A name for the subject when it is a user or a project. */
  subjectName: string | null;
  /** The project named in `data.projectId`, for actions scoped to one (pauses). */
  projectName: string | null;
  /** The project of the pair the row is about, for a link to the pair's page; null for other subjects. */
  pairProjectId: number | null;
  data: unknown;
}

export interface TAuditPage {
  events: TAuditEvent[];
  nextCursor: string | null;
}

type Row = {
  id: string;
  created_at: Date;
  actor_id: number | null;
  actor_name: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  subject_name: string | null;
  project_name: string | null;
  pair_project_id: number | null;
  data: unknown;
};

/** One page of audit rows, newest first, keyset-paged by id (never OFFSET); ids come from one sequence. */
export async function listAuditEvents(db: Db, q: TAuditQuery, limit = AUDIT_PAGE_SIZE): Promise<TAuditPage> {
  const tz = q.tz ?? "UTC";
  // Each condition is fixed SQL text with its values as parameters, never the values themselves.
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (q.actor === "system") where.push(`a.actor_id IS NULL`);
  else if (q.actor !== undefined) where.push(`a.actor_id = ${param(q.actor)}`);
  if (q.action) {
    // "import.*" picks a family; anything else is one action.
    if (q.action.endsWith(".*")) where.push(`a.action LIKE ${param(q.action.slice(0, -1).replace(/[\\%_]/g, "\\$&") + "%")}`);
    else where.push(`a.action = ${param(q.action)}`);
  }
  if (q.from) where.push(`a.created_at >= (${param(q.from)}::timestamp AT TIME ZONE ${param(tz)}::text)`);
  // A minute-precision "to" includes that whole minute, as a person reading "until 10:00" expects.
  if (q.to) {
    where.push(
      q.to.length === 16
        ? `a.created_at < ((${param(q.to)}::timestamp + interval '1 minute') AT TIME ZONE ${param(tz)}::text)`
        : `a.created_at <= (${param(q.to)}::timestamp AT TIME ZONE ${param(tz)}::text)`,
    );
  }
  if (q.cursor) where.push(`a.id < ${param(q.cursor)}::bigint`);
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  // The page is cut first and named after, so the joins touch one page of rows whatever the table holds.
  const rows = await db.query<Row>(
    `SELECT a.id::text AS id, a.created_at, a.actor_id, u.name AS actor_name, a.action, a.subject_type, a.subject_id,
            coalesce(su.name, sp.name) AS subject_name, dp.name AS project_name, pp.project_id AS pair_project_id, a.data
     FROM (SELECT * FROM audit_events a ${clause} ORDER BY a.id DESC LIMIT ${param(limit + 1)}) a
     LEFT JOIN users u ON u.id = a.actor_id
     LEFT JOIN users su ON a.subject_type = 'user' AND su.id::text = a.subject_id
     LEFT JOIN projects sp ON a.subject_type = 'project' AND sp.id::text = a.subject_id
     LEFT JOIN projects dp ON dp.id::text = a.data->>'projectId'
     LEFT JOIN pairs pp ON a.subject_type = 'pair' AND pp.id = CASE WHEN a.subject_id ~ '^[0-9]{1,18}$' THEN a.subject_id::bigint END
     ORDER BY a.id DESC`,
    params,
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    events: page.map((r) => ({
      id: String(r.id),
      createdAt: r.created_at,
      actorId: r.actor_id,
      actorName: r.actor_name,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      subjectName: r.subject_name,
      projectName: r.project_name,
      pairProjectId: r.pair_project_id,
      data: r.data,
    })),
    nextCursor: more && page.length ? String(page[page.length - 1]!.id) : null,
  };
}

/** Every action in the table, by a skip scan over audit_events(action, created_at): one probe per action. */
export async function listAuditActions(db: Db): Promise<string[]> {
  const rows = await db.query<{ action: string }>(`
    WITH RECURSIVE a AS (
      (SELECT action FROM audit_events ORDER BY action LIMIT 1)
      UNION ALL
      SELECT (SELECT e.action FROM audit_events e WHERE e.action > a.action ORDER BY e.action LIMIT 1)
      FROM a WHERE a.action IS NOT NULL
    )
    SELECT action FROM a WHERE action IS NOT NULL`);
  return [...new Set<string>([...KNOWN_AUDIT_ACTIONS, ...rows.map((r) => r.action)])].sort();
}

export async function listAuditActors(db: Db): Promise<{ id: number; name: string; email: string }[]> {
  return db.prisma.user.findMany({ select: { id: true, name: true, email: true }, orderBy: [{ name: "asc" }, { id: "asc" }] });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v.length > 80 ? `${v.slice(0, 79)}…` : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length ? v.map(scalar).join(", ") : "none";
  return JSON.stringify(v).slice(0, 80);
}

function percent(n: unknown): string {
  return typeof n === "number" ? `${Math.round(n * 1000) / 10}%` : "?";
}

/** "reject (artifacts)" or "recaption “…”" from a { decision, reasons, instruction } answer. */
function answer(d: Record<string, unknown>): string {
  const decision = scalar(d.decision);
  if (d.decision === "reject" && Array.isArray(d.reasons) && d.reasons.length) return `${decision} (${scalar(d.reasons)})`;
  if (d.decision === "recaption" && typeof d.instruction === "string") return `${decision} “${scalar(d.instruction)}”`;
  return decision;
}

/** One readable line for an audit row; the raw JSON is shown next to it for anything it leaves out. */
export function summarizeAuditEvent(e: Pick<TAuditEvent, "action" | "data" | "projectName" | "actorId" | "subjectType" | "subjectId">): string {
  const d = isRecord(e.data) ? e.data : {};
  const inProject = e.projectName ? ` in ${e.projectName}` : "";
  switch (e.action) {
    case "label.create": {
      const reasons = Array.isArray(d.reasons) && d.reasons.length ? ` (${scalar(d.reasons)})` : "";
      return `Labelled pair ${e.subjectId ?? "?"}: ${scalar(d.decision)}${reasons}`;
    }
    case "label.undo":
      return `Undid label ${scalar(d.labelId)} on pair ${e.subjectId ?? "?"}`;
    case "review.adjudicate": {
      const routed = Array.isArray(d.routingReasons) && d.routingReasons.length ? `; routed for ${scalar(d.routingReasons)}` : "";
      const note = typeof d.note === "string" && d.note ? `; note: ${scalar(d.note)}` : "";
      return `Adjudicated pair ${e.subjectId ?? "?"}${inProject}: ${answer(d)}${routed}${note}`;
    }
    case "review.undo": {
      const before = isRecord(d.previous) ? answer(d.previous) : "?";
      return `Took back the adjudication of pair ${e.subjectId ?? "?"}${inProject} (was ${before}); back in review`;
    }
    case "gold.promote":
      return `Promoted pair ${e.subjectId ?? "?"} to gold${inProject}: expected ${answer(d)}`;
    case "gold.update": {
      const before = isRecord(d.before) ? answer(d.before) : "?";
      const after = isRecord(d.after) ? answer(d.after) : "?";
      const rescored = typeof d.checks === "number" ? `; correct checks ${scalar(d.correctBefore)} → ${scalar(d.correctAfter)} of ${d.checks}` : "";
      return `Gold answer of pair ${e.subjectId ?? "?"} changed from ${before} to ${after}${rescored}`;
    }
    case "pair.send_to_review":
      return `Sent pair ${e.subjectId ?? "?"} back to review${inProject}: its final answer was withdrawn`;
    case "pair.reopen":
      return `Reopened pair ${e.subjectId ?? "?"}${inProject} for one more label (was ${scalar(d.previousStatus)})`;
    case "gold.retire":
      return `Retired gold pair ${e.subjectId ?? "?"}${inProject}: no longer served or scored`;
    case "gold.activate":
      return `Reactivated gold pair ${e.subjectId ?? "?"}${inProject}`;
    case "annotator.paused":
      if (e.actorId === null && typeof d.checks === "number") {
        return `Paused by the gold rule${inProject}: ${scalar(d.correct)} of ${d.checks} gold checks right, under the ${percent(d.threshold)} threshold`;
      }
      return `Paused by hand${inProject}: ${scalar(d.reason)}`;
    case "annotator.unpaused":
      return `Pause lifted${inProject}${typeof d.reason === "string" ? ` (was: ${scalar(d.reason)})` : ""}`;
    case "project.created":
      return `Created project ${scalar(d.name)} with overlap ${scalar(d.overlap)}`;
    case "project.updated": {
      const changes = isRecord(d.changes) ? d.changes : {};
      const parts = Object.entries(changes).map(([k, v]) => (isRecord(v) ? describeSettingChange(k, v.before, v.after) : k));
      return parts.length ? `Settings changed: ${parts.join("; ")}` : "Settings saved with no change";
    }
    case "project.overlap_applied":
      return `Overlap ${scalar(d.overlap)} applied to ${scalar(d.pairs)} open pairs nobody had started`;
    case "project.queue_keys_applied":
      return `Verdict margins and queue order keys recomputed under the new rule: ${scalar(d.pairs)} pairs changed`;
    case "user.create":
      return `Created user ${scalar(d.email)} (${scalar(d.role)})`;
    case "user.role":
      return `Role changed from ${scalar(d.from)} to ${scalar(d.to)}`;
    case "user.disable":
      return "Account disabled";
    case "user.enable":
      return "Account enabled";
    case "api_token.create":
      return `Created API token ${scalar(d.name)} (${scalar(d.hint)}…) for project${Array.isArray(d.projectIds) && d.projectIds.length === 1 ? "" : "s"} ${scalar(d.projectIds)}`;
    case "api_token.revoke":
      return `Revoked API token ${scalar(d.name)}`;
    case "api.pairs":
      return `Added ${scalar(d.created)} of ${scalar(d.posted)} posted pairs${inProject} through the API${d.tokenId === null || d.tokenId === undefined ? "" : ` (token ${scalar(d.tokenId)})`}`;
    case "webhook.create":
      return `Added webhook ${e.subjectId ?? "?"}${inProject}: ${scalar(d.url)} for ${scalar(d.events)}`;
    case "webhook.update": {
      const changes = isRecord(d.changes) ? d.changes : {};
      const parts = Object.entries(changes).map(([k, v]) => {
        const c = isRecord(v) ? v : {};
        if (k === "active") return c.to === true ? "switched on" : "switched off";
        return `${k} ${scalar(c.from)} → ${scalar(c.to)}`;
      });
      return `Changed webhook ${e.subjectId ?? "?"}${inProject}: ${parts.length ? parts.join("; ") : "nothing"}`;
    }
    case "webhook.delete":
      return `Deleted webhook ${e.subjectId ?? "?"}${inProject}: ${scalar(d.url)}`;
    case "webhook.rotate_secret":
      return `Rotated the secret of webhook ${e.subjectId ?? "?"}${inProject}; ${
        typeof d.previousSecretUntil === "string" ? `the previous one also signs until ${d.previousSecretUntil}` : "the previous one stopped at once"
      }`;
    case "webhook.redeliver":
      return `Redelivered ${scalar(d.event)} event ${scalar(d.eventId)} to webhook ${e.subjectId ?? "?"}${inProject} (delivery ${scalar(d.deliveryId)} → ${scalar(d.newDeliveryId)})`;
    case "webhook.test":
      return `Sent a test event to webhook ${e.subjectId ?? "?"}${inProject}: ${scalar(d.url)}`;
    case "export.create":
      return `Started export ${e.subjectId ?? "?"}${inProject}: ${scalar(d.format)}${isRecord(d.filters) && Object.keys(d.filters).length ? ` with filters ${scalar(Object.keys(d.filters))}` : ", all final pairs"}`;
    case "export.cancel":
      return `Cancelled export ${e.subjectId ?? "?"}`;
    case "export.filter.save":
      return `Saved export filter ${scalar(d.name)}`;
    case "export.filter.delete":
      return `Deleted export filter ${e.subjectId ?? "?"}`;
    case "auth.signin":
      return `Signed in${typeof d.ip === "string" ? ` from ${d.ip}` : ""}`;
    case "auth.signin_failed":
      return `Failed sign-in as ${scalar(d.email)}${typeof d.ip === "string" ? ` from ${d.ip}` : ""}`;
    case "auth.locked":
      return `Sign-in paused for ${scalar(d.minutes)} minutes after too many failures (${scalar(d.key)})`;
    case "auth.signout_everywhere":
      return "Signed out everywhere";
    case "auth.password_changed":
      return "Changed their password; other sessions ended";
    case "auth.reset_link":
      return `Password reset link made${typeof d.via === "string" ? ` (${d.via})` : ""}`;
    case "auth.password_reset":
      return "Password set through a reset link; every session ended";
    default: {
      const entries = Object.entries(d).filter(([, v]) => v === null || typeof v !== "object" || Array.isArray(v));
      return entries.length ? entries.slice(0, 5).map(([k, v]) => `${k}: ${scalar(v)}`).join(" · ") : "—";
    }
  }
}
