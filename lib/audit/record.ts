import "server-only";
import type { SqlRunner } from "../db/sql";
import type { Prisma } from "../db/generated/client";

export interface TAuditInput {
  actorId: number | null;
  action: string;
  subjectType: string;
  subjectId?: string | null;
  data?: Prisma.InputJsonValue;
}

const INSERT_AUDIT_SQL = `
  INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data) VALUES ($1, $2, $3, $4, $5::jsonb)`;

/** Pass the transaction (`tx`) when the change is in one, so the audit row commits with it. */
export async function recordAudit(tx: SqlRunner, e: TAuditInput): Promise<void> {
  await tx.query(INSERT_AUDIT_SQL, [e.actorId, e.action, e.subjectType, e.subjectId ?? null, JSON.stringify(e.data ?? {})]);
}
