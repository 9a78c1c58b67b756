import "server-only";
import type { SqlRunner } from "../db/sql";
import type { TWebhookEvent } from "./schemas";

// Events raised by application code (export.finished); pair.finalized is raised by a trigger on pairs, so
// every path that finalises a pair emits it. Both go through loupe_webhook_emit: one delivery per subscribed
// active endpoint, written in the caller's transaction, so a rollback sends nothing and a commit is never lost.

export interface TEmitInput {
  projectId: number;
  event: TWebhookEvent;
  /** The event's `data`: plain JSON (bigint ids as strings). */
  data: Record<string, unknown>;
}

const EMIT_SQL = `SELECT loupe_webhook_emit($1::int, $2::text, $3::jsonb) AS n`;

/** Queues the event for the project's subscribed endpoints; returns how many deliveries it made. */
export async function emitEvent(tx: SqlRunner, input: TEmitInput): Promise<number> {
  const rows = await tx.query<{ n: number }>(EMIT_SQL, [input.projectId, input.event, JSON.stringify(input.data)]);
  return Number(rows[0]?.n ?? 0);
}
