"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import type { TExportStatus, TExportView } from "@/lib/exports/schemas";
import { formatBytes, formatCount, formatRate, formatTimeLeft } from "@/components/admin/import/format";
import { cancelExport, exportKeys, listExports } from "./api";
import { FORMAT_LABELS } from "./form-state";
import { JobProgress } from "@/components/ui/progress-bar";
import { LocalTime } from "@/components/ui/local-time";

export const EXPORT_STATUS_LABELS: Record<TExportStatus, string> = {
  queued: "Queued",
  running: "Running",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

const STATUS_CLASSES: Record<TExportStatus, string> = {
  queued: "bg-neutral-100 text-neutral-800",
  running: "bg-sky-100 text-sky-900",
  done: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  cancelled: "bg-amber-100 text-amber-900",
};

const BAR_CLASSES: Record<TExportStatus, string> = {
  queued: "bg-neutral-400",
  running: "bg-indigo-600",
  done: "bg-emerald-600",
  failed: "bg-red-600",
  cancelled: "bg-amber-500",
};

const DECISION_WORDS: Record<string, string> = { accept: "accept", reject: "reject", recaption: "re-caption" };

function isActive(status: TExportStatus): boolean {
  return status === "queued" || status === "running";
}

/** Whole percent; a running export never shows 100 before it is done. */
export function exportPercent(v: Pick<TExportView, "status" | "fraction">): number {
  if (v.status === "done") return 100;
  const p = Math.floor(Math.min(1, Math.max(0, v.fraction || 0)) * 100);
  return isActive(v.status) ? Math.min(99, p) : p;
}

function progressText(v: TExportView): string {
  const of = v.totalRows !== null ? ` of ${formatCount(v.totalRows)}` : "";
  const parts = [`${formatCount(v.rowsDone)}${of} pairs`];
  if (v.status === "running" && v.rowsPerSecond) parts.push(formatRate(v.rowsPerSecond).replace("rows", "pairs"));
  if (v.status === "running" && v.etaSeconds !== null) parts.push(formatTimeLeft(v.etaSeconds));
  if (v.status === "done") parts.push(`${formatCount(v.records)} records`, v.bytes !== null ? formatBytes(v.bytes) : "");
  return parts.filter(Boolean).join(" · ");
}

export function ExportsList({ projectId }: { projectId: number }) {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: exportKeys.list(projectId),
    queryFn: ({ signal }) => listExports(projectId, signal),
    refetchInterval: (query) => (query.state.data?.some((e) => isActive(e.status)) ? 1000 : false),
    staleTime: 0,
  });
  const cancel = useMutation({
    mutationFn: cancelExport,
    onSuccess: (updated) => {
      qc.setQueryData<TExportView[]>(exportKeys.list(projectId), (old) => old?.map((e) => (e.id === updated.id ? updated : e)));
      void qc.invalidateQueries({ queryKey: exportKeys.list(projectId) });
    },
  });

  if (list.isPending) return <p role="status" className="text-sm text-neutral-600">Loading exports…</p>;
  if (list.isError && !list.data) {
    return (
      <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-red-700">
        Could not load the exports: {list.error.message}
        <button type="button" onClick={() => void list.refetch()} className="rounded border border-neutral-300 px-2 py-0.5 text-neutral-900">
          Try again
        </button>
      </div>
    );
  }
  const exports = list.data ?? [];
  if (exports.length === 0) return <p className="text-sm text-neutral-600">No exports of this project yet.</p>;
  return (
    <div className="space-y-3">
      {list.isError ? <p role="alert" className="text-sm text-red-700">Could not refresh the exports: {list.error.message}</p> : null}
      <ul className="space-y-3">
        {exports.map((v) => (
          <li key={v.id}>
            <ExportCard
              view={v}
              cancelling={cancel.isPending && cancel.variables === v.id}
              cancelError={cancel.isError && cancel.variables === v.id ? cancel.error.message : null}
              onCancel={() => cancel.mutate(v.id)}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

function ExportCard({ view, cancelling, cancelError, onCancel }: { view: TExportView; cancelling: boolean; cancelError: string | null; onCancel: () => void }) {
  const id = useId();
  const name = `Export ${view.id}`;
  const percent = exportPercent(view);
  const active = isActive(view.status);
  const counts = view.counts;
  return (
    <article aria-labelledby={`${id}-title`} className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={`${id}-title`} className="font-medium">{name}</h3>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_CLASSES[view.status]}`}>
          <span className="sr-only">Status: </span>
          {EXPORT_STATUS_LABELS[view.status]}
        </span>
        <span className="text-sm text-neutral-700">{FORMAT_LABELS[view.format]}</span>
        <span className="ml-auto text-xs text-neutral-500"><LocalTime iso={view.createdAt} /></span>
      </header>
      <p className="text-xs text-neutral-600">
        {view.filtersText}
        {view.format !== "canonical" ? ` · images ${view.options.images}` : ""} · validation {view.options.validationFraction}
        {view.createdBy ? ` · by ${view.createdBy}` : ""}
      </p>

      <JobProgress label={`${name} progress`} percent={percent} barClassName={BAR_CLASSES[view.status]}>
        {progressText(view)}
      </JobProgress>

      {counts ? (
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
          {Object.entries(counts.decision).map(([d, n]) => (
            <div key={d}>
              <dt className="text-neutral-600">Final {DECISION_WORDS[d] ?? d}</dt>
              <dd className="font-medium tabular-nums">{formatCount(n)}</dd>
            </div>
          ))}
          <div>
            <dt className="text-neutral-600">Train / validation</dt>
            <dd className="font-medium tabular-nums">{formatCount(counts.split.train)} / {formatCount(counts.split.validation)}</dd>
          </div>
        </dl>
      ) : null}

      {view.message ? <p className={`text-sm ${view.status === "failed" ? "text-red-700" : "text-neutral-800"}`}>{view.message}</p> : null}

      <div className="flex flex-wrap items-center gap-3 empty:hidden">
        {view.downloadUrl ? (
          <a href={view.downloadUrl} download className="text-sm text-indigo-700 underline">
            Download<span className="sr-only"> {name}</span>
          </a>
        ) : null}
        {view.manifestUrl ? (
          <a href={`${view.manifestUrl}?download=1`} download className="text-sm text-indigo-700 underline">
            Manifest<span className="sr-only"> of {name}</span>
          </a>
        ) : null}
        {view.sha256 ? <code className="text-xs text-neutral-500" title="sha256 of the data file">sha256 {view.sha256.slice(0, 12)}…</code> : null}
        {active ? (
          <button type="button" onClick={onCancel} disabled={cancelling} className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100 disabled:opacity-60">
            {cancelling ? "Cancelling…" : "Cancel"}
            <span className="sr-only"> {name}</span>
          </button>
        ) : null}
        {cancelError ? <p role="alert" className="text-sm text-red-700">Could not cancel: {cancelError}</p> : null}
      </div>
    </article>
  );
}
