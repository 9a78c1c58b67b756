"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import { useDeferredValue } from "react";
import type { TExportFilters } from "@/lib/exports/filters";
import { countExport } from "./api";

/**
 * The number of final pairs the filters match, before the export starts. From the kept figures as the
 * filters change (no scan); where they can only bound it (agreement, dates, verifier, adjudicated), an
 * exact count over the pairs runs when asked.
 */
export function ExportCount({ projectId, filters }: { projectId: number; filters: TExportFilters }) {
  const deferred = useDeferredValue(filters);
  const key = JSON.stringify(deferred);
  const kept = useQuery({
    queryKey: ["exports", "count", projectId, key],
    queryFn: ({ signal }) => countExport(projectId, { filters: deferred }, signal),
    retry: false,
  });
  // The exact count answers for the filters it was asked with (their key), not for later edits.
  const exact = useMutation({
    mutationFn: (asked: { key: string; filters: TExportFilters }) => countExport(projectId, { filters: asked.filters, exact: true }),
  });
  const counted = exact.data && exact.variables?.key === key ? exact.data : null;
  let text: string;
  if (kept.isPending) text = "Counting matching pairs…";
  else if (kept.isError) text = "The filters as typed cannot be counted; the export will say why when started.";
  else if (counted) text = `${counted.pairs.toLocaleString("en-US")} matching final ${counted.pairs === 1 ? "pair" : "pairs"} (counted).`;
  else if (kept.data.exact) text = `${kept.data.pairs.toLocaleString("en-US")} matching final ${kept.data.pairs === 1 ? "pair" : "pairs"}.`;
  else text = `At most ${kept.data.pairs.toLocaleString("en-US")} matching final pairs (by decision, task, subtask and gold).`;
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm">
      <p aria-live="polite" className="text-neutral-700">{text}</p>
      {kept.data && !kept.data.exact && !counted ? (
        <button type="button" className="rounded border border-neutral-300 px-2 py-1 hover:bg-neutral-50 disabled:opacity-60"
          disabled={exact.isPending} onClick={() => exact.mutate({ key, filters: deferred })}>
          {exact.isPending ? "Counting…" : "Count exactly"}
        </button>
      ) : null}
    </div>
  );
}
