import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import { parseReasons, type TRejectReason } from "./reasons";
import { workRefusedSql } from "../auth/project-work";

export interface TProjectSummary {
  id: number;
  name: string;
  overlap: number;
  pairsTotal: number;
  pairsOpen: number;
  labels: number;
  archived: boolean;
  restricted: boolean;
}

/**
 * Projects for a list. With `annotatorId`, only those that user may annotate now (not archived, and open
 * to all or with them in the team: decision 030); without, every project but those being deleted.
 */
export async function listProjects(db: Db, opts: { annotatorId?: number } = {}): Promise<TProjectSummary[]> {
  const mine = opts.annotatorId === undefined ? "" : `AND NOT ${workRefusedSql("pr.id", "$1", "annotate")}`;
  const rows = await db.query<{ id: number; name: string; overlap: number; total: string; open: string; labels: string; archived: boolean; restricted: boolean }>(
    `SELECT pr.id, pr.name, pr.overlap, pr.archived_at IS NOT NULL AS archived, pr.restricted,
       coalesce(sum(c.open + c.labelled + c.in_review + c.final), 0)::text AS total,
       coalesce(sum(c.open), 0)::text AS open,
       coalesce(sum(c.labels), 0)::text AS labels
     FROM projects pr LEFT JOIN project_counts c ON c.project_id = pr.id
     WHERE pr.deleting_at IS NULL ${mine}
     GROUP BY pr.id ORDER BY pr.created_at, pr.id`,
    opts.annotatorId === undefined ? [] : [opts.annotatorId],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    overlap: r.overlap,
    pairsTotal: Number(r.total),
    pairsOpen: Number(r.open),
    labels: Number(r.labels),
    archived: r.archived,
    restricted: r.restricted,
  }));
}

export interface TProjectForAnnotator {
  id: number;
  name: string;
  guidelines: string;
  reasons: TRejectReason[];
  leaseSeconds: number;
}

export async function getProjectForAnnotator(db: Db, projectId: number): Promise<TProjectForAnnotator> {
  const p = await db.prisma.project.findUnique({ where: { id: projectId } });
  if (!p || p.deletingAt) throw new NotFoundError("Project not found.");
  return { id: p.id, name: p.name, guidelines: p.guidelines, reasons: parseReasons(p.rejectReasons), leaseSeconds: p.leaseSeconds };
}

export interface TProjectForAdmin {
  id: number;
  name: string;
  overlap: number;
  guidelines: string;
  archivedAt: Date | null;
  restricted: boolean;
}

/** Admin pages: admins see every project, so the id alone scopes it; null when there is none (or it is being deleted). */
export async function getProject(db: Db, projectId: number): Promise<TProjectForAdmin | null> {
  return db.prisma.project.findFirst({
    where: { id: projectId, deletingAt: null },
    select: { id: true, name: true, overlap: true, guidelines: true, archivedAt: true, restricted: true },
  });
}
