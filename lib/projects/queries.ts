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
  const rows = await db.$queryRaw<{ id: number; name: string; overlap: number; total: bigint; open: bigint; labels: bigint }[]>`
    SELECT pr.id, pr.name, pr.overlap,
      (SELECT count(*) FROM pairs p WHERE p.project_id = pr.id) AS total,
      (SELECT count(*) FROM pairs p WHERE p.project_id = pr.id AND p.status = 'open') AS open,
      (SELECT count(*) FROM labels l WHERE l.project_id = pr.id) AS labels
    FROM projects pr ORDER BY pr.created_at, pr.id`;
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
  const p = await db.project.findUnique({ where: { id: projectId } });
  if (!p) throw new NotFoundError("Project not found.");
  return { id: p.id, name: p.name, guidelines: p.guidelines, reasons: parseReasons(p.rejectReasons), leaseSeconds: p.leaseSeconds };
}
