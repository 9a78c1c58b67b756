"use client";

import { useQuery } from "@tanstack/react-query";
import type { TRecomputeStatus } from "@/lib/quality/settings-schema";
import { requestJson } from "@/components/admin/quality/request";

const PHASE: Record<NonNullable<TRecomputeStatus["phase"]>, string> = {
  overlap: "giving open pairs nobody started the new overlap",
  keys: "recomputing the open pairs' queue order under the new rule",
  margins: "recomputing every pair's kept verdict under the new rule",
};

const n = (v: number) => v.toLocaleString("en-US");

/**
 * The pairs' side of the last settings change, which runs in the background after the save: polled while it
 * runs. `latest` is what the last save answered, so a new run shows at once.
 */
export function RecomputeProgress({ projectId, latest }: { projectId: number; latest: TRecomputeStatus | null }) {
  const q = useQuery({
    queryKey: ["settings-recompute", projectId, latest?.startedAt ?? null],
    queryFn: async () =>
      (await requestJson<{ recompute: TRecomputeStatus | null }>(`/api/projects/${projectId}/settings`, { method: "GET" })).recompute,
    initialData: latest,
    refetchInterval: (query) => (query.state.data?.running ? 1000 : false),
  });
  const r = q.data;
  if (!r) return null;
  if (!r.running) {
    return (
      <p className="text-sm text-neutral-600">
        Last change applied to the pairs {new Date(r.finishedAt!).toLocaleString("en-US")}: {n(r.overlapPairsChanged)} open{" "}
        {r.overlapPairsChanged === 1 ? "pair" : "pairs"} took the new overlap, {n(r.keysPairsChanged)} {r.keysPairsChanged === 1 ? "pair" : "pairs"} had
        their verdict or queue keys recomputed.
      </p>
    );
  }
  const total = Math.max(1, r.pairsTotal);
  return (
    <div className="space-y-1 rounded border border-indigo-200 bg-indigo-50 p-3 text-sm" aria-live="polite">
      <p id={`recompute-${projectId}`}>
        Applying the change to the pairs in the background{r.phase ? `: ${PHASE[r.phase]}` : ""}. {n(r.pairsDone)} of about {n(r.pairsTotal)} pairs
        looked at. Annotators keep working meanwhile: claims and consensus already follow the new settings.
      </p>
      <progress aria-labelledby={`recompute-${projectId}`} max={total} value={Math.min(r.pairsDone, total)} className="w-full" />
    </div>
  );
}
