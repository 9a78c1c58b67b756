// An export gives way to interactive work, on two signals. (1) Other sessions of the database were
// running a statement when the page arrived (run.ts samples pg_stat_activity): the export then waits
// as long as the page took, so it takes at most about half of the time it could. (2) Pages slow down:
// alone, a page takes about as long as the fastest page so far per pair; when it takes longer, the
// database's CPU is shared, and the export waits a multiple of the time the page lost. Signal (1)
// catches an export that starts while annotators are already busy, where no page is ever fast.
// Alone, neither fires and the export runs at full speed (decision 009). Pure: run.ts sleeps.

export interface TPaceOptions {
  /** A page up to this many times the best time per pair counts as unhindered (noise). */
  tolerance: number;
  /** Wait this many times the time the page lost to contention. */
  backoff: number;
  /** While other sessions are busy, wait this many times the page's own read time. */
  busyShare: number;
  /** Never wait longer than this between pages. */
  maxWaitMs: number;
}

export const DEFAULT_PACE: TPaceOptions = { tolerance: 1.5, backoff: 2, busyShare: 1, maxWaitMs: 2_000 };

export class Pacer {
  private bestPerRow = Infinity;

  constructor(private readonly opts: TPaceOptions = DEFAULT_PACE) {}

  /**
   * Records one page's read time and how many other sessions were running a statement; returns how
   * long to wait before reading the next page.
   */
  afterPage(ms: number, rows: number, othersBusy = 0): number {
    if (rows <= 0 || !(ms >= 0)) return 0;
    const perRow = ms / rows;
    if (perRow < this.bestPerRow) this.bestPerRow = perRow;
    const busy = othersBusy > 0 ? ms * this.opts.busyShare : 0;
    const lost = perRow > this.bestPerRow * this.opts.tolerance ? (perRow - this.bestPerRow) * rows * this.opts.backoff : 0;
    return Math.min(this.opts.maxWaitMs, Math.round(Math.max(busy, lost)));
  }
}
