// The closed-loop driver shared by the app and raw runs: N workers, each doing claim → submit as
// fast as it can (no think time). Only requests that start after the warm-up and finish before the
// end of the window are sampled; a decision counts when its submit succeeds inside the window.
import { performance } from "node:perf_hooks";

export type ClaimOutcome =
  // latencyMs: when the claim travelled inside an earlier request (the annotate page's submit + claim
  // round trip), that request's duration, so the claim is never recorded as free.
  | { kind: "ok"; pairId: string; latencyMs?: number }
  | { kind: "empty" } // the queue had nothing for this annotator
  | { kind: "error"; what: string };

export type SubmitOutcome = { kind: "ok" } | { kind: "error"; what: string };

export interface LoopWorker {
  claim(): Promise<ClaimOutcome>;
  submit(pairId: string): Promise<SubmitOutcome>;
}

export interface LoopResult {
  decisions: number;
  seconds: number;
  claimMs: number[];
  submitMs: number[];
  errors: Record<string, number>;
  /** Seconds into the measured window at which the queue ran dry (the window was cut there). */
  exhaustedAfter: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runClosedLoop(
  workers: LoopWorker[],
  // thinkMs: mean pause after each decision (jittered ±50%), for a paced rather than saturated run.
  opts: { warmupMs: number; measureMs: number; thinkMs?: number },
): Promise<LoopResult> {
  const t0 = performance.now();
  const measureStart = t0 + opts.warmupMs;
  let measureEnd = measureStart + opts.measureMs;
  let exhaustedAt: number | null = null;
  const claimMs: number[] = [];
  const submitMs: number[] = [];
  const errors: Record<string, number> = {};
  let decisions = 0;
  const err = (what: string) => {
    errors[what] = (errors[what] ?? 0) + 1;
  };
  const inWindow = (start: number, end: number) => start >= measureStart && end <= measureEnd;

  async function loop(w: LoopWorker) {
    while (performance.now() < measureEnd) {
      const cs = performance.now();
      let c: ClaimOutcome;
      try {
        c = await w.claim();
      } catch (e) {
        c = { kind: "error", what: `claim ${(e as Error).message.slice(0, 80)}` };
      }
      const ce = performance.now();
      if (c.kind === "empty") {
        // Queue exhausted: stop the whole run here rather than measure empty claims.
        if (exhaustedAt === null) {
          exhaustedAt = ce;
          measureEnd = Math.max(measureStart, Math.min(measureEnd, ce));
        }
        return;
      }
      if (inWindow(cs, ce)) claimMs.push(c.kind === "ok" && c.latencyMs !== undefined ? c.latencyMs : ce - cs);
      if (c.kind === "error") {
        err(c.what);
        await sleep(5);
        continue;
      }
      const ss = performance.now();
      let s: SubmitOutcome;
      try {
        s = await w.submit(c.pairId);
      } catch (e) {
        s = { kind: "error", what: `submit ${(e as Error).message.slice(0, 80)}` };
      }
      const se = performance.now();
      if (inWindow(ss, se)) submitMs.push(se - ss);
      if (s.kind === "ok") {
        if (se >= measureStart && se <= measureEnd) decisions++;
        if (opts.thinkMs) await sleep(opts.thinkMs * (0.5 + Math.random()));
      } else {
        err(s.what);
        await sleep(5);
      }
    }
  }

  await Promise.all(workers.map(loop));
  const seconds = (measureEnd - measureStart) / 1000;
  return {
    decisions,
    seconds,
    claimMs,
    submitMs,
    errors,
    exhaustedAfter: exhaustedAt === null ? null : Math.max(0, (exhaustedAt - measureStart) / 1000),
  };
}
