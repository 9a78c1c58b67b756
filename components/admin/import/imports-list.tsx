"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import type { TImportView } from "@/lib/imports/schemas";
import { cancelImport, importKeys, listImports, resumeImport } from "./api";
import {
  formatCount,
  formatLocation,
  importBadge,
  importName,
  importPercent,
  importProgressText,
  isActiveImport,
  type TImportTone,
} from "./format";
import { FORMAT_LABELS, PRESET_LABELS } from "./request";
import { JobProgress } from "@/components/ui/progress-bar";
import { LocalTime } from "@/components/ui/local-time";

const BADGE_CLASSES: Record<TImportTone, string> = {
  queued: "bg-neutral-100 text-neutral-800",
  running: "bg-sky-100 text-sky-900",
  success: "bg-emerald-100 text-emerald-900",
  quiet: "bg-slate-200 text-slate-900",
  warning: "bg-amber-100 text-amber-900",
  failed: "bg-red-100 text-red-900",
  cancelled: "bg-amber-100 text-amber-900",
};

const BAR_CLASSES: Record<TImportTone, string> = {
  queued: "bg-neutral-400",
  running: "bg-indigo-600",
  success: "bg-emerald-600",
  quiet: "bg-slate-500",
  warning: "bg-amber-500",
  failed: "bg-red-600",
  cancelled: "bg-amber-500",
};

export function ImportsList({ projectId }: { projectId: number }) {
  const qc = useQueryClient();
  const list = useQuery({
    queryKey: importKeys.list(projectId),
    queryFn: ({ signal }) => listImports(projectId, signal),
    refetchInterval: (query) => (query.state.data?.some((i) => isActiveImport(i.status)) ? 1000 : false),
    staleTime: 0,
  });

  const onUpdated = (updated: TImportView) => {
    qc.setQueryData<TImportView[]>(importKeys.list(projectId), (old) => old?.map((i) => (i.id === updated.id ? updated : i)));
    void qc.invalidateQueries({ queryKey: importKeys.list(projectId) });
  };
  const cancel = useMutation({ mutationFn: cancelImport, onSuccess: onUpdated });
  const resume = useMutation({ mutationFn: resumeImport, onSuccess: onUpdated });

  if (list.isPending) return <p role="status" className="text-sm text-neutral-600">Loading imports…</p>;
  if (list.isError && !list.data) {
    return (
      <div role="alert" className="flex flex-wrap items-center gap-2 text-sm text-red-700">
        Could not load the imports: {list.error.message}
        <button type="button" onClick={() => void list.refetch()} className="rounded border border-neutral-300 px-2 py-0.5 text-neutral-900">
          Try again
        </button>
      </div>
    );
  }
  const imports = list.data ?? [];
  if (imports.length === 0) return <p className="text-sm text-neutral-600">Nothing imported into this project yet.</p>;

  return (
    <div className="space-y-3">
      {list.isError ? (
        <p role="alert" className="text-sm text-red-700">Could not refresh the imports: {list.error.message}</p>
      ) : null}
      <ul className="space-y-3">
        {imports.map((view) => (
          <li key={view.id}>
            <ImportCard
              view={view}
              cancelling={cancel.isPending && cancel.variables === view.id}
              cancelError={cancel.isError && cancel.variables === view.id ? cancel.error.message : null}
              onCancel={() => cancel.mutate(view.id)}
              resuming={resume.isPending && resume.variables === view.id}
              resumeError={resume.isError && resume.variables === view.id ? resume.error.message : null}
              onResume={() => resume.mutate(view.id)}
            />
          </li>
        ))}
      </ul>
    </div>
  );
}

function ImportCard({ view, cancelling, cancelError, onCancel, resuming, resumeError, onResume }: {
  resuming: boolean;
  resumeError: string | null;
  onResume: () => void;
  view: TImportView;
  cancelling: boolean;
  cancelError: string | null;
  onCancel: () => void;
}) {
  const id = useId();
  const name = importName(view.id);
  const percent = importPercent(view);
  const active = isActiveImport(view.status);
  const finished = !active;
  const badge = importBadge(view);
  const details = [FORMAT_LABELS[view.format], view.preset ? PRESET_LABELS[view.preset] : null, view.createdBy ? `by ${view.createdBy}` : null]
    .filter(Boolean)
    .join(" · ");

  return (
    <article aria-labelledby={`${id}-title`} className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={`${id}-title`} className="font-medium">{name}</h3>
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${BADGE_CLASSES[badge.tone]}`}>
          <span className="sr-only">Status: </span>
          {badge.label}
        </span>
        <span className="min-w-0 truncate text-sm text-neutral-700" title={view.sourceLabel}>{view.sourceLabel}</span>
        <span className="ml-auto text-xs text-neutral-500">
          <LocalTime iso={view.createdAt} />
        </span>
      </header>
      {details ? <p className="text-xs text-neutral-500">{details}</p> : null}

      <JobProgress label={`${name} progress`} percent={percent} barClassName={BAR_CLASSES[badge.tone]}>
        {importProgressText(view)}
      </JobProgress>

      <dl className="grid grid-cols-3 gap-2 text-sm sm:max-w-md">
        <div>
          <dt className="text-neutral-600">Inserted</dt>
          <dd className="font-medium tabular-nums">{formatCount(view.inserted)}</dd>
        </div>
        <div>
          <dt className="text-neutral-600">Already present</dt>
          <dd className="font-medium tabular-nums">{formatCount(view.duplicates)}</dd>
        </div>
        <div>
          <dt className="text-neutral-600">Invalid</dt>
          <dd className={`font-medium tabular-nums ${view.invalid > 0 ? "text-red-700" : ""}`}>{formatCount(view.invalid)}</dd>
        </div>
      </dl>

      {view.message ? (
        <p className={`text-sm ${view.status === "failed" ? "text-red-700" : badge.tone === "warning" ? "font-medium text-amber-900" : "text-neutral-800"}`}>
          {view.message}
        </p>
      ) : null}

      {badge.tone === "warning" && view.firstInvalid.length > 0 ? (
        <section aria-labelledby={`${id}-invalid`} className="rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-950">
          <h4 id={`${id}-invalid`} className="font-medium">First invalid rows</h4>
          <ul className="mt-1 space-y-1">
            {view.firstInvalid.map((p) => (
              <li key={`${p.loc.file}:${p.loc.index}`}>
                <span className="font-medium">{formatLocation(p.loc, true)}</span>
                {p.externalId !== null ? <> (id <code>{p.externalId}</code>)</> : null}: {p.reason}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <div className="flex flex-wrap items-center gap-3 empty:hidden">
        {view.invalid > 0 || finished ? (
          <a href={view.reportUrl} download className="text-sm text-indigo-700 underline">
            Download report<span className="sr-only"> of {name}</span>
          </a>
        ) : null}
        {active ? (
          <button
            type="button"
            onClick={onCancel}
            disabled={cancelling}
            className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100 disabled:opacity-60"
          >
            {cancelling ? "Cancelling…" : "Cancel"}
            <span className="sr-only"> {name}</span>
          </button>
        ) : null}
        {view.status === "failed" || view.status === "cancelled" ? (
          <button
            type="button"
            onClick={onResume}
            disabled={resuming}
            className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100 disabled:opacity-60"
          >
            {resuming ? "Resuming…" : "Resume"}
            <span className="sr-only"> {name} from where it stopped</span>
          </button>
        ) : null}
        {cancelError ? <p role="alert" className="text-sm text-red-700">Could not cancel: {cancelError}</p> : null}
        {resumeError ? <p role="alert" className="text-sm text-red-700">Could not resume: {resumeError}</p> : null}
      </div>
    </article>
  );
}
