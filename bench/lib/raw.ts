// The ceiling: the same claim → submit as raw SQL over `pg`, one connection per annotator, with the app's own
// prepared statements (lib/queue/sql.ts, shared so they cannot drift apart).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { CLAIM_SQL, MAX_LIVE_LEASES, SUBMIT_SQL } from "../../lib/queue/sql";
import type { ClaimOutcome, LoopWorker, SubmitOutcome } from "./loop";

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "23505" || code === "23514" || code === "40001";
}

export class RawWorker implements LoopWorker {
  constructor(
    private client: pg.Client,
    private userId: number,
    private projectId: number,
  ) {}

  async claim(): Promise<ClaimOutcome> {
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await this.client.query({
            name: "loupe_claim",
            text: CLAIM_SQL,
            values: [this.userId, this.projectId, [], MAX_LIVE_LEASES],
          });
          const row = r.rows[0] as { pair_id: string } | undefined;
          if (row) return { kind: "ok", pairId: String(row.pair_id) };
          if (attempt === 0) continue; // as the app: once more after the expiry sweep
          return { kind: "empty" };
        } catch (e) {
          if (attempt < 4 && isRetryable(e)) continue;
          throw e;
        }
      }
    } catch (e) {
      return { kind: "error", what: `raw claim ${(e as { code?: string }).code ?? (e as Error).message.slice(0, 60)}` };
    }
  }

  async submit(pairId: string): Promise<SubmitOutcome> {
    try {
      const r = await this.client.query({
        name: "loupe_submit",
        text: SUBMIT_SQL,
        values: [pairId, this.userId, "accept", [], null, 1, randomUUID()],
      });
      const outcome = (r.rows[0] as { outcome?: string } | undefined)?.outcome ?? "expired";
      return outcome === "created" ? { kind: "ok" } : { kind: "error", what: `raw submit ${outcome}` };
    } catch (e) {
      return { kind: "error", what: `raw submit ${(e as { code?: string }).code ?? (e as Error).message.slice(0, 60)}` };
    }
  }
}
