import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { checkImageBytes, type TCheckAnswer } from "./pool-worker.mjs";
import { decodeProblem } from "./derive";
import { InvalidImageError, MAX_INPUT_PIXELS, MIME_BY_FORMAT, type StoredImage } from "./store";

// Hashing and decoding on every core (decision 015): a worker-thread pool, one thread per core, each
// checking an image (sha256, format, size, a full decode) while the calling thread reads and stores. The
// pool is an accelerator, never a dependency: when its worker file cannot be found or started (an unusual
// bundle), the same check runs in the calling thread.

/** Threads of the image pool: the machine's parallelism (libvips runs one thread per image in them). */
export function imagePoolSize(): number {
  return Math.max(1, availableParallelism());
}

// Next.js may evaluate this module in more than one module graph: one pool per process.
const globalForPool = globalThis as unknown as { __loupeImagePool?: { pool: Piscina | null; inProcess: number } };

function workerFile(): string | null {
  const candidates: string[] = [];
  try {
    candidates.push(fileURLToPath(new URL("./pool-worker.mjs", import.meta.url)));
  } catch {
    // import.meta.url is not a file: URL in some bundles; the source tree's copy below still serves.
    candidates.push("");
  }
  candidates.push(path.join(process.cwd(), "lib", "images", "pool-worker.mjs"));
  return candidates.find((c) => c !== "" && existsSync(c)) ?? null;
}

function state(): { pool: Piscina | null; inProcess: number } {
  if (!globalForPool.__loupeImagePool) {
    const filename = workerFile();
    const size = imagePoolSize();
    const pool = filename
      ? new Piscina({
          filename,
          minThreads: 0,
          maxThreads: size,
          // Two tasks per thread: one hashes while the other's decode waits on libvips.
          concurrentTasksPerWorker: 2,
          // Idle threads go, so a web process holds none between imports.
          idleTimeout: 30_000,
        })
      : null;
    const st = { pool, inProcess: 0 };
    // A worker that cannot start (its file or a module it imports missing) is reported here, not by run().
    pool?.on("error", (err: Error) => {
      console.warn(`[loupe] image pool unavailable, checking images in the calling thread: ${err.message}`);
      if (st.pool === pool) st.pool = null;
      void pool.destroy().catch(() => {});
    });
    globalForPool.__loupeImagePool = st;
  }
  return globalForPool.__loupeImagePool;
}

async function answer(bytes: Uint8Array): Promise<TCheckAnswer> {
  const s = state();
  if (s.pool) {
    // A view's whole buffer would cross threads (a Parquet page holds many images): copy the view, move the
    // copy. (new Uint8Array copies; a Buffer's slice() would not.)
    const own = new Uint8Array(bytes);
    try {
      return (await s.pool.run({ bytes: own, maxPixels: MAX_INPUT_PIXELS }, { transferList: [own.buffer] })) as TCheckAnswer;
    } catch (err) {
      // The pool itself failed (a worker could not start): check here from now on.
      console.warn(`[loupe] image pool unavailable, checking images in the calling thread: ${(err as Error).message}`);
      const pool = s.pool;
      s.pool = null;
      void pool.destroy().catch(() => {});
    }
  }
  s.inProcess++;
  return checkImageBytes({ bytes, maxPixels: MAX_INPUT_PIXELS });
}

/**
 * Hashes and fully decodes an image on the pool; answers what putImage stores, or throws InvalidImageError
 * naming `what` ("source image") with the reason.
 */
export async function checkImage(bytes: Uint8Array, what = "image file"): Promise<StoredImage> {
  const a = await answer(bytes);
  if (a.problem === "empty") throw new InvalidImageError(`${what} is empty (0 bytes), not an image`);
  if (a.problem === "no format or size") throw new InvalidImageError(`${what} is not a readable image: no format or size`);
  if (a.problem === "pixel limit") {
    throw new InvalidImageError(`${what} is too large: ${a.width}x${a.height} is more than ${MAX_INPUT_PIXELS} pixels`);
  }
  if (a.problem !== undefined) throw decodeProblem(what, a.problem);
  const mime = MIME_BY_FORMAT[a.format!];
  if (!mime) throw new InvalidImageError(`${what} is in a format Loupe does not show (${a.format})`);
  return { sha256: a.sha256, width: a.width!, height: a.height!, mime, byteSize: bytes.byteLength };
}

/** For tests and the benchmark: how the pool is doing. */
export function imagePoolStats(): { running: boolean; threads: number; completed: number; inProcess: number } {
  const s = state();
  return { running: s.pool !== null, threads: s.pool?.threads.length ?? 0, completed: s.pool?.completed ?? 0, inProcess: s.inProcess };
}

/** Ends the pool's threads (a CLI about to exit, a test's teardown); the next check starts a new pool. */
export async function closeImagePool(): Promise<void> {
  const s = globalForPool.__loupeImagePool;
  globalForPool.__loupeImagePool = undefined;
  await s?.pool?.destroy();
}
