"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

type TStep = { done: boolean; progress: number };

/**
 * Computes the version comparison's summary step by step (each a POST), with the progress shown; a run
 * left half-way (another tab, a closed page) is continued rather than started over.
 */
export function VersionRefresh({ projectId, computed, running }: { projectId: number; computed: boolean; running: number | null }) {
  const router = useRouter();
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function run(restart: boolean) {
    setError(null);
    setProgress(running ?? 0);
    try {
      let first = restart;
      for (;;) {
        const res = await fetch(`/api/projects/${projectId}/calibration/versions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(first ? { restart: true } : {}),
        });
        first = false;
        if (!res.ok) {
          const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
          throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
        }
        const step = (await res.json()) as TStep;
        setProgress(step.progress);
        if (step.done) break;
      }
      setProgress(null);
      router.refresh();
    } catch (err) {
      setProgress(null);
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  const busy = progress !== null;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button type="button" disabled={busy} onClick={() => void run(running === null)}
        className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {running !== null && !busy ? "Continue computing the comparison" : computed ? "Recompute the comparison" : "Compute the comparison"}
      </button>
      {busy ? (
        <label className="flex items-center gap-2 text-sm">
          Computing
          <progress max={1} value={progress} className="w-48" aria-valuetext={`${Math.round(progress * 100)}%`} />
          <span aria-hidden="true">{Math.round(progress * 100)}%</span>
        </label>
      ) : null}
      {error ? <p role="alert" className="basis-full text-sm text-red-700">{error}</p> : null}
    </div>
  );
}
