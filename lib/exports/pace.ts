// An export gives way to interactive work. After each page, run.ts counts the other sessions running a
// statement (pg_stat_activity); while there are any, the export waits as long as the page took, so claims
// keep their pace. Alone, it never waits. Why not "pages got slower": decision 009. Pure: run.ts sleeps.

export interface TPaceOptions {
  /** While other sessions are busy, wait this many times the page's own read time. */
  busyShare: number;
  maxWaitMs: number;
}

export const DEFAULT_PACE: TPaceOptions = { busyShare: 1, maxWaitMs: 2_000 };

export class Pacer {
  constructor(private readonly opts: TPaceOptions = DEFAULT_PACE) {}

  afterPage(ms: number, othersBusy: number): number {
    if (!(ms >= 0) || othersBusy <= 0) return 0;
    return Math.min(this.opts.maxWaitMs, Math.round(ms * this.opts.busyShare));
  }
}
