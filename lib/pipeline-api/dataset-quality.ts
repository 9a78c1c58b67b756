import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import { getDatasetQuality } from "../quality/audit";
import type { TApiDatasetQuality } from "./schemas";

// GET /api/v1/projects/:projectId/dataset-quality: the Dataset quality page's figures for a pipeline
// (the latest audit round; docs/decisions/025-audit-sample.md). `width` is in percentage points.
export async function getApiDatasetQuality(db: Db, projectId: number, widthPoints: number | undefined): Promise<TApiDatasetQuality> {
  const q = await getDatasetQuality(db, projectId, widthPoints === undefined ? null : widthPoints / 100);
  if (!q) throw new NotFoundError("Project not found.");
  return q;
}
