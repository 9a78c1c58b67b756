import "server-only";
import type { Db } from "../db/connect";
import { recordAudit } from "../audit/record";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { parseReasons, type TRejectReason } from "./reasons";
import type { TTeamInput, TTeamMember } from "./schemas";


export interface TTeam {
  /** false: open to every annotator and reviewer (a project nobody restricted yet, decision 030). */
  restricted: boolean;
  /** Every enabled annotator and reviewer, with their rights here (admins are members everywhere). */
  people: TTeamMember[];
}

export async function getTeam(db: Db, projectId: number): Promise<TTeam> {
  const [p] = await db.query<{ restricted: boolean }>(`SELECT restricted FROM projects WHERE id = $1 AND deleting_at IS NULL`, [projectId]);
  if (!p) throw new NotFoundError("Project not found.");
  const people = await db.query<{ id: number; name: string; email: string; role: "annotator" | "reviewer"; annotates: boolean | null; reviews: boolean | null }>(
    `SELECT u.id, u.name, u.email, u.role::text AS role, m.annotates, m.reviews
     FROM users u LEFT JOIN project_members m ON m.user_id = u.id AND m.project_id = $1
     WHERE NOT u.disabled AND u.role IN ('annotator', 'reviewer')
     ORDER BY u.name, u.id`,
    [projectId],
  );
  return {
    restricted: p.restricted,
    people: people.map((r) => ({ id: r.id, name: r.name, email: r.email, role: r.role, annotates: r.annotates === true, reviews: r.reviews === true })),
  };
}

/**
 * Sets who annotates and who reviews the project and whether it is restricted to them. Saving a team
 * restricts the project unless the admin opens it again; members keep their rights while it is open.
 */
export async function setTeam(db: Db, actorId: number, projectId: number, input: TTeamInput): Promise<TTeam> {
  await db.transaction(async (tx) => {
    const [p] = await tx.query<{ id: number }>(`SELECT id FROM projects WHERE id = $1 AND deleting_at IS NULL FOR UPDATE`, [projectId]);
    if (!p) throw new NotFoundError("Project not found.");
    const ids = input.members.map((m) => m.userId);
    if (new Set(ids).size !== ids.length) throw new InvalidError("A person is listed twice in the team.");
    const known = await tx.query<{ id: number; role: string }>(`SELECT id, role::text AS role FROM users WHERE id = ANY($1::int[])`, [ids]);
    if (known.length !== ids.length) throw new InvalidError("The team names someone who is not a user.");
    for (const m of input.members) {
      const role = known.find((k) => k.id === m.userId)!.role;
      if (m.reviews && role === "annotator") throw new InvalidError("Only reviewers can review: give that person the reviewer role first.");
    }
    await tx.query(`DELETE FROM project_members WHERE project_id = $1`, [projectId]);
    const kept = input.members.filter((m) => m.annotates || m.reviews);
    if (kept.length > 0) {
      await tx.query(
        `INSERT INTO project_members (project_id, user_id, annotates, reviews)
         SELECT $1, u, a, r FROM unnest($2::int[], $3::boolean[], $4::boolean[]) AS t(u, a, r)`,
        [projectId, kept.map((m) => m.userId), kept.map((m) => m.annotates), kept.map((m) => m.reviews)],
      );
    }
    await tx.query(`UPDATE projects SET restricted = $2, updated_at = now() WHERE id = $1`, [projectId, input.restricted]);
    await recordAudit(tx, {
      actorId,
      action: "project.team",
      subjectType: "project",
      subjectId: String(projectId),
      data: {
        restricted: input.restricted,
        annotators: kept.filter((m) => m.annotates).map((m) => m.userId),
        reviewers: kept.filter((m) => m.reviews).map((m) => m.userId),
      },
    });
  });
  return getTeam(db, projectId);
}

export async function renameProject(db: Db, actorId: number, projectId: number, name: string): Promise<{ id: number; name: string }> {
  return db
    .transaction(async (tx) => {
      const [p] = await tx.query<{ name: string }>(`SELECT name FROM projects WHERE id = $1 AND deleting_at IS NULL FOR UPDATE`, [projectId]);
      if (!p) throw new NotFoundError("Project not found.");
      if (p.name === name) return { id: projectId, name };
      const [clash] = await tx.query(`SELECT 1 FROM projects WHERE name = $1 AND id <> $2`, [name, projectId]);
      if (clash) throw new ConflictError(`A project named "${name}" already exists.`);
      await tx.query(`UPDATE projects SET name = $2, updated_at = now() WHERE id = $1`, [projectId, name]);
      await recordAudit(tx, { actorId, action: "project.renamed", subjectType: "project", subjectId: String(projectId), data: { from: p.name, to: name } });
      return { id: projectId, name };
    })
    .catch((err: { code?: string }) => {
      if (err?.code === "23505") throw new ConflictError(`A project named "${name}" already exists.`);
      throw err;
    });
}

/**
 * Archives (read-only, hidden from annotators) or unarchives the project. Archiving ends live annotation
 * leases and review claims, so no one keeps working on a project that has been put away.
 */
export async function setArchived(db: Db, actorId: number, projectId: number, archived: boolean): Promise<{ archived: boolean }> {
  return db.transaction(async (tx) => {
    const [p] = await tx.query<{ archived: boolean }>(
      `SELECT archived_at IS NOT NULL AS archived FROM projects WHERE id = $1 AND deleting_at IS NULL FOR UPDATE`, [projectId]);
    if (!p) throw new NotFoundError("Project not found.");
    if (p.archived === archived) return { archived };
    await tx.query(`UPDATE projects SET archived_at = ${archived ? "now()" : "NULL"}, updated_at = now() WHERE id = $1`, [projectId]);
    if (archived) {
      await tx.query(`DELETE FROM leases WHERE project_id = $1 AND submitted_at IS NULL`, [projectId]);
      await tx.query(
        `UPDATE pairs SET review_claimed_by = NULL, review_claimed_until = NULL
         WHERE project_id = $1 AND status = 'in_review' AND review_claimed_by IS NOT NULL`, [projectId]);
    }
    await recordAudit(tx, {
      actorId, action: archived ? "project.archived" : "project.unarchived", subjectType: "project", subjectId: String(projectId), data: {},
    });
    return { archived };
  });
}

/**
 * Replaces the reject-reason taxonomy. A reason in use cannot disappear: labels keep its code, so it is
 * retired instead (still named in history, no longer offered or accepted). Codes never change; the label
 * and the dimension may.
 */
export async function updateReasons(db: Db, actorId: number, projectId: number, reasons: TRejectReason[]): Promise<TRejectReason[]> {
  return db.transaction(async (tx) => {
    const [p] = await tx.query<{ reject_reasons: unknown }>(
      `SELECT reject_reasons FROM projects WHERE id = $1 AND deleting_at IS NULL FOR UPDATE`, [projectId]);
    if (!p) throw new NotFoundError("Project not found.");
    const before = parseReasons(p.reject_reasons);
    const now = new Set(reasons.map((r) => r.code));
    const dropped = before.filter((r) => !now.has(r.code));
    if (dropped.length > 0) {
      throw new InvalidError(`A reason cannot be removed, only retired: ${dropped.map((r) => `"${r.label}"`).join(", ")}.`);
    }
    const stored: TRejectReason[] = reasons.map((r) => (r.retired ? { ...r, retired: true } : { code: r.code, label: r.label, dimension: r.dimension }));
    await tx.query(`UPDATE projects SET reject_reasons = $2::jsonb, updated_at = now() WHERE id = $1`, [projectId, JSON.stringify(stored)]);
    const was = new Map(before.map((r) => [r.code, r]));
    await recordAudit(tx, {
      actorId,
      action: "project.reasons",
      subjectType: "project",
      subjectId: String(projectId),
      data: {
        added: stored.filter((r) => !was.has(r.code)).map((r) => r.code),
        renamed: stored.filter((r) => was.has(r.code) && was.get(r.code)!.label !== r.label).map((r) => r.code),
        remapped: stored.filter((r) => was.has(r.code) && was.get(r.code)!.dimension !== r.dimension).map((r) => r.code),
        retired: stored.filter((r) => r.retired && !was.get(r.code)?.retired).map((r) => r.code),
        restored: stored.filter((r) => !r.retired && was.get(r.code)?.retired).map((r) => r.code),
      },
    });
    return stored;
  });
}
