import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import { parseReasons, type TRejectReason } from "./reasons";

export interface TProjectSummary {
  id: number;
  name: string;
  overlap: number;
  pairsTotal: number;
  pairsOpen: number;
  labels: number;
}

export async function listProjects(db: Db): Promise<TProjectSummary[]> {
  const rows = await db.query<{ id: number; name: string; overlap: number; total: string; open: string; labels: string }>(
    `SELECT pr.id, pr.name, pr.overlap,
       coalesce(sum(c.open + c.labelled + c.in_review + c.final), 0)::text AS total,
       coalesce(sum(c.open), 0)::text AS open,
       coalesce(sum(c.labels), 0)::text AS labels
     FROM projects pr LEFT JOIN project_counts c ON c.project_id = pr.id
     GROUP BY pr.id ORDER BY pr.created_at, pr.id`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    overlap: r.overlap,
    pairsTotal: Number(r.total),
    pairsOpen: Number(r.open),
    labels: Number(r.labels),
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
  if (!p) throw new NotFoundError("Project not found.");
  return { id: p.id, name: p.name, guidelines: p.guidelines, reasons: parseReasons(p.rejectReasons), leaseSeconds: p.leaseSeconds };
}

export interface TProjectForAdmin {
  id: number;
  name: string;
  overlap: number;
  guidelines: string;
}

/** Admin pages: admins see every project, so the id alone scopes it; null when there is none. */
export async function getProject(db: Db, projectId: number): Promise<TProjectForAdmin | null> {
  return db.prisma.project.findUnique({
    where: { id: projectId },
    select: { id: true, name: true, overlap: true, guidelines: true },
  });
}
