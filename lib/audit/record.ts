import "server-only";
import type { Db } from "../db/connect";
import type { Prisma } from "../db/generated/client";

type Tx = Pick<Db, "auditEvent">;

export interface TAuditInput {
  actorId: number | null;
  action: string;
  subjectType: string;
  subjectId?: string | null;
  data?: Prisma.InputJsonValue;
}

/** Pass the transaction client when the change is in a transaction, so the audit row commits with it. */
export async function recordAudit(tx: Tx, e: TAuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: { actorId: e.actorId, action: e.action, subjectType: e.subjectType, subjectId: e.subjectId ?? null, data: e.data ?? {} },
  });
}
