// An export gives way to interactive work. Alone, a page of pairs takes about as long as the fastest
// page so far; when annotators are claiming at the same time, the database's CPU is shared and pages
// take longer. The pacer notices that slowdown and waits, before the next read, for a multiple of the
// time the page lost, so the export's share of the machine shrinks exactly while someone else needs
// it and it runs at full speed otherwise (decision 009). Pure: no timers here, run.ts sleeps.

export interface TPaceOptions {
  /** A page up to this many times the best time per pair counts as unhindered (noise). */
  tolerance: number;
  /** Wait this many times the time the page lost to contention. */
  backoff: number;
  /** Never wait longer than this between pages. */
  maxWaitMs: number;
}

export const DEFAULT_PACE: TPaceOptions = { tolerance: 1.5, backoff: 2, maxWaitMs: 2_000 };

export class Pacer {
  private bestPerRow = Infinity;

  constructor(private readonly opts: TPaceOptions = DEFAULT_PACE) {}

  /** Records one page's read time; returns how long to wait before reading the next page. */
  afterPage(ms: number, rows: number): number {
    if (rows <= 0 || !(ms >= 0)) return 0;
    const perRow = ms / rows;
    if (perRow < this.bestPerRow) this.bestPerRow = perRow;
    if (perRow <= this.bestPerRow * this.opts.tolerance) return 0;
    const lost = (perRow - this.bestPerRow) * rows;
    return Math.min(this.opts.maxWaitMs, Math.round(lost * this.opts.backoff));
  }
}
