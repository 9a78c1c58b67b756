import "server-only";
import type { Db } from "../db/connect";
import { getQueue, type TJobHandler } from "../db/boss";
import { InvalidImageError } from "../images/store";
import { ensurePreview, makeChangeMap, type TPairChange } from "../images/previews";
import { getStorage } from "../storage/config";
import type { Storage } from "../storage/types";
import { dataDir } from "./config";

// Previews and change maps, made after the import (decision 015). Every inserted pair gets a
// pair_derivatives row in its insert statement; workers claim rows with a lease (SKIP LOCKED, so many can
// run at once), make the derivatives, write them onto the pair and delete the row, in one transaction per
// batch. The table is the work list: a worker that dies leaves its rows to be claimed again when the lease
// runs out, and a batch made twice writes the same values (everything is keyed by content).

export const QUEUE_DERIVATIVES = "loupe-derivatives";

/** A claimed batch is someone else's for this long; a batch takes seconds, so only a dead worker's rows wait it out. */
const LEASE_SECONDS = 300;
/** Claims of a pair that ended without an answer (a crash, a lost disk) before it is given up, its derivatives left empty. */
const MAX_ATTEMPTS = 5;
const SLICE_MS = 5 * 60_000;

export interface TDeriveOptions {
  dataDir: string;
  /** Where images are read and derivatives written; the local store in dataDir when absent. */
  storage?: Storage;
  /** Pairs per claimed batch (one transaction writes them). */
  batchSize?: number;
  /** Pairs worked at once: their libvips work runs on its own threads. */
  concurrency?: number;
  /** Stop after the batch that crosses this. */
  budgetMs?: number;
}

export interface TDeriveResult {
  /** Pairs given their derivatives (or given up on: unreadable images) by this run. */
  done: number;
  /** Claimable rows remain (the budget ran out). */
  more: boolean;
}

const CLAIM_SQL = `
UPDATE pair_derivatives d SET lease_until = now() + make_interval(secs => $2), attempts = d.attempts + 1
 WHERE d.pair_id IN (SELECT pair_id FROM pair_derivatives
                      WHERE lease_until IS NULL OR lease_until < now()
                      ORDER BY pair_id LIMIT $1 FOR UPDATE SKIP LOCKED)
RETURNING d.pair_id::text AS pair_id, d.attempts`;

// The disagreement key reads the change fraction (lib/queue/sql/queue-keys.sql): recomputed here for open
// regular pairs, as applyQueueKeys does, under the project's rule locked FOR KEY SHARE like the insert trigger.
const WRITE_SQL = `
UPDATE pairs p SET source_preview = NULLIF(t.source_preview, p.source_image),
                   edited_preview = NULLIF(t.edited_preview, p.edited_image),
                   heatmap_image = t.heatmap, change_fraction = t.change_fraction, ssim = t.ssim,
                   change_outside_mask = t.change_outside_mask,
                   queue_disagreement = CASE WHEN p.status = 'open' AND NOT p.is_gold THEN
                     loupe_queue_disagreement(p.verifier_margin, loupe_verifier_spread(p.verifier_scores, pr.verifier_scales),
                       p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, t.change_fraction,
                       t.change_outside_mask, pr.verifier_rule)
                     ELSE p.queue_disagreement END
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::real[], $6::real[], $7::real[])
         AS t(id, source_preview, edited_preview, heatmap, change_fraction, ssim, change_outside_mask),
       projects pr
 WHERE p.id = t.id AND pr.id = p.project_id`;

interface PairImages {
  id: string;
  source_image: string;
  edited_image: string;
  mask_image: string | null;
}

interface Made {
  id: string;
  sourcePreview: string | null;
  editedPreview: string | null;
  change: TPairChange | null;
}

/** Makes the derivatives of claimable pairs until none is left or the budget runs out. */
export async function runDerivatives(db: Db, opts: TDeriveOptions): Promise<TDeriveResult> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 64;
  const concurrency = opts.concurrency ?? 4;
  const store = opts.storage ?? opts.dataDir;
  let done = 0;
  for (;;) {
    const claimed = await db.query<{ pair_id: string; attempts: number }>(CLAIM_SQL, [batchSize, LEASE_SECONDS]);
    if (claimed.length === 0) return { done, more: false };
    const hopeless = claimed.filter((c) => c.attempts > MAX_ATTEMPTS).map((c) => c.pair_id);
    const ids = claimed.filter((c) => c.attempts <= MAX_ATTEMPTS).map((c) => c.pair_id);
    const pairs = await db.query<PairImages>(
      "SELECT id::text, source_image, edited_image, mask_image FROM pairs WHERE id = ANY($1::bigint[])",
      [ids],
    );
    const made = await mapLimit(pairs, concurrency, (p) => derive(db, store, p));
    await db.transaction(async (tx) => {
      if (made.length > 0) {
        await tx.query(
          `SELECT 1 FROM projects WHERE id IN (SELECT project_id FROM pairs WHERE id = ANY($1::bigint[])) ORDER BY id FOR KEY SHARE`,
          [made.map((m) => m.id)],
        );
        await tx.query(WRITE_SQL, [
          made.map((m) => m.id),
          made.map((m) => m.sourcePreview),
          made.map((m) => m.editedPreview),
          made.map((m) => m.change?.heatmap ?? null),
          made.map((m) => m.change?.changedFraction ?? null),
          made.map((m) => m.change?.ssim ?? null),
          made.map((m) => m.change?.changeOutsideMask ?? null),
        ]);
      }
      // Claimed rows whose pair is gone (deleted meanwhile) go too: `ids`, not only `made`.
      await tx.query("DELETE FROM pair_derivatives WHERE pair_id = ANY($1::bigint[])", [[...ids, ...hopeless]]);
    });
    if (hopeless.length > 0) console.warn(`[loupe] derivatives: gave up on ${hopeless.length} pair(s) after ${MAX_ATTEMPTS} attempts`);
    done += claimed.length;
    if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) {
      const [rest] = await db.query<{ more: boolean }>(
        "SELECT EXISTS (SELECT 1 FROM pair_derivatives WHERE lease_until IS NULL OR lease_until < now()) AS more",
      );
      return { done, more: rest?.more === true };
    }
  }
}

async function derive(db: Db, dir: Storage | string, p: PairImages): Promise<Made> {
  const source = p.source_image.trim();
  const edited = p.edited_image.trim();
  const mask = p.mask_image?.trim() ?? null;
  const [sourcePreview, editedPreview] = await Promise.all([ensurePreview(db, dir, source), ensurePreview(db, dir, edited)]);
  let change: TPairChange | null = null;
  try {
    change = await makeChangeMap(db, dir, sourcePreview ?? source, editedPreview ?? edited, mask);
  } catch (err) {
    // An image the import accepted but libvips cannot compare (or one lost from the store): the pair shows
    // without a change map, which the compare view says, rather than being retried forever.
    if (!(err instanceof InvalidImageError)) throw err;
    console.warn(`[loupe] derivatives: pair ${p.id} has no change map: ${err.message}`);
  }
  return { id: p.id, sourcePreview, editedPreview, change };
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Wakes a derivative worker (at most one job waits in the queue; the table holds the work). */
export async function enqueueDerivatives(db: Db): Promise<void> {
  const boss = await getQueue(db, QUEUE_DERIVATIVES);
  await boss.send(QUEUE_DERIVATIVES, {}, { singletonKey: "derivatives", retryLimit: 0, expireInSeconds: 30 * 60 });
}

export const derivativesJob: TJobHandler = {
  queue: QUEUE_DERIVATIVES,
  async handle(db) {
    const r = await runDerivatives(db, { dataDir: dataDir(), storage: getStorage(), budgetMs: SLICE_MS });
    if (r.more) await enqueueDerivatives(db);
    return r;
  },
  /** Queues a job when claimable rows wait: after a restart, a crash, or pairs posted through the API. */
  async sweep(db) {
    const [r] = await db.query<{ waiting: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM pair_derivatives WHERE lease_until IS NULL OR lease_until < now()) AS waiting",
    );
    if (!r?.waiting) return 0;
    await enqueueDerivatives(db);
    return 1;
  },
};
