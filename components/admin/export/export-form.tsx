"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import type { TExportView, TSavedFilter } from "@/lib/exports/schemas";
import { deleteFilter, exportKeys, listSavedFilters, saveFilter, startExport } from "./api";
import {
  DECISION_CHOICES,
  FORMAT_CHOICES,
  INITIAL_FORM,
  TRAINER_CHOICES,
  fromFilters,
  sameFilters,
  toFilters,
  type TDecisionChoice,
  type TExportFormState,
} from "./form-state";
import { ExportCount } from "./export-count";

const INPUT = "mt-1 w-full rounded border border-neutral-300 px-2 py-1 text-sm";
const BUTTON = "rounded border border-neutral-300 px-3 py-1 text-sm hover:bg-neutral-100 disabled:opacity-60";

export function ExportForm({ projectId, initialSaved, tasks, subtasks, onStarted }: {
  projectId: number;
  initialSaved: TSavedFilter[];
  tasks: string[];
  subtasks: string[];
  onStarted: (view: TExportView) => void;
}) {
  const id = useId();
  const qc = useQueryClient();
  const [form, setForm] = useState<TExportFormState>(INITIAL_FORM);
  const [appliedId, setAppliedId] = useState<number | null>(null);
  const [chosenId, setChosenId] = useState<string>("");
  const [saveName, setSaveName] = useState("");
  const [note, setNote] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [filterNote, setFilterNote] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  const saved = useQuery({
    queryKey: exportKeys.savedFilters(projectId),
    queryFn: ({ signal }) => listSavedFilters(projectId, signal),
    initialData: initialSaved,
  });
  const savedList = saved.data ?? [];
  const applied = savedList.find((f) => f.id === appliedId) ?? null;

  const set = <K extends keyof TExportFormState>(key: K, value: TExportFormState[K]) => setForm((f) => ({ ...f, [key]: value }));
  const toggleDecision = (d: TDecisionChoice, on: boolean) =>
    setForm((f) => ({ ...f, decisions: on ? [...f.decisions, d] : f.decisions.filter((x) => x !== d) }));

  const countFilters = toFilters(form);

  const start = useMutation({
    mutationFn: () => {
      const filters = toFilters(form);
      // The export records the saved filter only while the form still says exactly what it says.
      const withSaved = applied && sameFilters(filters, applied.filters) ? { ...filters, savedFilterId: applied.id } : filters;
      // Empty: the server's default (0.1). Not a number: sent as typed, so the server's message names the field.
      const raw = form.validationFraction.trim();
      const fraction = raw === "" ? undefined : Number.isFinite(Number(raw)) ? Number(raw) : raw;
      return startExport(projectId, {
        format: form.format,
        filters: withSaved,
        options: {
          images: form.images,
          ...(fraction === undefined ? {} : { validationFraction: fraction as number }),
          ...(form.format === "verifier-trainers" ? { trainers: form.trainers } : {}),
        },
      });
    },
    onSuccess: (view) => {
      setNote({ kind: "ok", text: `Export ${view.id} started: ${view.filtersText}.` });
      onStarted(view);
    },
    onError: (err) => setNote({ kind: "error", text: `Not started. ${err.message}` }),
  });

  const save = useMutation({
    mutationFn: () => saveFilter(projectId, { name: saveName, filters: toFilters(form) }),
    onSuccess: (f) => {
      setFilterNote({ kind: "ok", text: `Saved "${f.name}": ${f.description}.` });
      setSaveName("");
      setAppliedId(f.id);
      setChosenId(String(f.id));
      void qc.invalidateQueries({ queryKey: exportKeys.savedFilters(projectId) });
    },
    onError: (err) => setFilterNote({ kind: "error", text: `Not saved. ${err.message}` }),
  });

  const remove = useMutation({
    mutationFn: (filterId: number) => deleteFilter(projectId, filterId),
    onSuccess: (_r, filterId) => {
      setFilterNote({ kind: "ok", text: "Saved filter deleted." });
      if (appliedId === filterId) setAppliedId(null);
      setChosenId("");
      void qc.invalidateQueries({ queryKey: exportKeys.savedFilters(projectId) });
    },
    onError: (err) => setFilterNote({ kind: "error", text: `Not deleted. ${err.message}` }),
  });

  const chosen = savedList.find((f) => String(f.id) === chosenId) ?? null;
  const apply = () => {
    if (!chosen) return;
    setForm((f) => fromFilters(chosen.filters, f));
    setAppliedId(chosen.id);
    setFilterNote({ kind: "ok", text: `Applied "${chosen.name}": ${chosen.description}.` });
  };

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setNote(null);
    start.mutate();
  };

  const formatHelp = FORMAT_CHOICES.find((f) => f.value === form.format)?.help;

  return (
    // noValidate: the server's messages name the field and its bounds.
    <form onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`} className="space-y-4 rounded-lg border border-neutral-200 bg-white p-4">
      <h2 id={`${id}-title`} className="text-lg font-semibold">New export</h2>

      <div>
        <label htmlFor={`${id}-format`} className="text-sm font-medium">Format</label>
        <select id={`${id}-format`} value={form.format} aria-describedby={`${id}-format-help`} className={INPUT}
          onChange={(e) => set("format", e.target.value as TExportFormState["format"])}>
          {FORMAT_CHOICES.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
        </select>
        <p id={`${id}-format-help`} className="mt-1 text-xs text-neutral-600">{formatHelp}</p>
      </div>

      <fieldset className="grid gap-4 rounded border border-neutral-200 p-3 sm:grid-cols-2">
        <legend className="px-1 text-sm font-medium">Which final pairs</legend>
        <fieldset className="sm:col-span-2">
          <legend className="text-sm">Final decision</legend>
          <div className="mt-1 flex flex-wrap gap-4">
            {DECISION_CHOICES.map((d) => (
              <label key={d.value} className="flex items-center gap-1 text-sm">
                <input type="checkbox" checked={form.decisions.includes(d.value)} onChange={(e) => toggleDecision(d.value, e.target.checked)} />
                {d.label}
              </label>
            ))}
          </div>
        </fieldset>
        <label className="flex items-center gap-2 text-sm sm:col-span-2">
          <input type="checkbox" checked={form.adjudicatedOnly} onChange={(e) => set("adjudicatedOnly", e.target.checked)} />
          Adjudicated by a reviewer only
        </label>
        <div>
          <label htmlFor={`${id}-agreement`} className="text-sm">Minimum agreement</label>
          <input id={`${id}-agreement`} type="number" inputMode="decimal" min={0} max={1} step="any" value={form.minAgreement}
            aria-describedby={`${id}-agreement-help`} className={INPUT} onChange={(e) => set("minAgreement", e.target.value)} />
          <p id={`${id}-agreement-help`} className="mt-1 text-xs text-neutral-600">
            0–1: share of a pair&apos;s labels agreeing with its majority. Empty: any. Gold pairs have none and drop out.
          </p>
        </div>
        <div>
          <label htmlFor={`${id}-gold`} className="text-sm">Gold pairs</label>
          <select id={`${id}-gold`} value={form.gold} className={INPUT} onChange={(e) => set("gold", e.target.value as TExportFormState["gold"])}>
            <option value="include">Include gold pairs</option>
            <option value="exclude">Leave gold pairs out</option>
            <option value="only">Gold pairs only</option>
          </select>
        </div>
        <div>
          <label htmlFor={`${id}-tasks`} className="text-sm">Tasks</label>
          <input id={`${id}-tasks`} type="text" list={`${id}-tasks-list`} value={form.tasks} aria-describedby={`${id}-names-help`}
            className={INPUT} onChange={(e) => set("tasks", e.target.value)} />
          <datalist id={`${id}-tasks-list`}>{tasks.map((t) => <option key={t} value={t} />)}</datalist>
        </div>
        <div>
          <label htmlFor={`${id}-subtasks`} className="text-sm">Subtasks</label>
          <input id={`${id}-subtasks`} type="text" list={`${id}-subtasks-list`} value={form.subtasks} aria-describedby={`${id}-names-help`}
            className={INPUT} onChange={(e) => set("subtasks", e.target.value)} />
          <datalist id={`${id}-subtasks-list`}>{subtasks.map((t) => <option key={t} value={t} />)}</datalist>
        </div>
        <p id={`${id}-names-help`} className="-mt-2 text-xs text-neutral-600 sm:col-span-2">
          Comma-separated names; empty: all.{tasks.length || subtasks.length ? ` Known: ${[...tasks, ...subtasks].slice(0, 12).join(", ")}.` : ""}
        </p>
        <div>
          <label htmlFor={`${id}-from`} className="text-sm">Finalised from</label>
          <input id={`${id}-from`} type="date" value={form.from} className={INPUT} onChange={(e) => set("from", e.target.value)} />
        </div>
        <div>
          <label htmlFor={`${id}-through`} className="text-sm">Finalised through</label>
          <input id={`${id}-through`} type="date" value={form.through} className={INPUT} onChange={(e) => set("through", e.target.value)} />
        </div>
      </fieldset>

      <fieldset className="space-y-3 rounded border border-neutral-200 p-3">
        <legend className="px-1 text-sm font-medium">Saved filters</legend>
        <div className="flex flex-wrap items-end gap-2">
          <div className="min-w-48 grow">
            <label htmlFor={`${id}-saved`} className="text-sm">Saved filter</label>
            <select id={`${id}-saved`} value={chosenId} className={INPUT} onChange={(e) => setChosenId(e.target.value)}>
              <option value="">{savedList.length ? "Choose a saved filter" : "None saved yet"}</option>
              {savedList.map((f) => <option key={f.id} value={f.id}>{f.name} — {f.description}</option>)}
            </select>
          </div>
          <button type="button" className={BUTTON} disabled={!chosen} onClick={apply}>Apply saved filter</button>
          <button type="button" className={BUTTON} disabled={!chosen || remove.isPending} onClick={() => chosen && remove.mutate(chosen.id)}>
            Delete saved filter
          </button>
        </div>
        <div className="flex flex-wrap items-end gap-2">
          <div className="min-w-48 grow">
            <label htmlFor={`${id}-save-name`} className="text-sm">Save these filters as</label>
            <input id={`${id}-save-name`} type="text" maxLength={80} value={saveName} className={INPUT} onChange={(e) => setSaveName(e.target.value)} />
          </div>
          <button type="button" className={BUTTON} disabled={save.isPending} onClick={() => { setFilterNote(null); save.mutate(); }}>
            {save.isPending ? "Saving…" : "Save filters"}
          </button>
        </div>
        {filterNote ? (
          <p role={filterNote.kind === "error" ? "alert" : "status"} className={`text-sm ${filterNote.kind === "error" ? "text-red-700" : "text-neutral-700"}`}>
            {filterNote.text}
          </p>
        ) : null}
        {applied && sameFilters(toFilters(form), applied.filters) ? (
          <p className="text-xs text-neutral-600">The export will record that it used &ldquo;{applied.name}&rdquo;.</p>
        ) : null}
      </fieldset>

      <fieldset className="grid gap-4 rounded border border-neutral-200 p-3 sm:grid-cols-2">
        <legend className="px-1 text-sm font-medium">Output</legend>
        {form.format === "verifier-trainers" ? (
          <fieldset className="sm:col-span-2">
            <legend className="text-sm">Trainers</legend>
            <div className="mt-1 flex flex-wrap gap-4">
              {TRAINER_CHOICES.map((t) => (
                <label key={t.value} className="flex items-center gap-2 text-sm">
                  <input type="checkbox" checked={form.trainers.includes(t.value)}
                    onChange={(e) => set("trainers", e.target.checked ? TRAINER_CHOICES.map((c) => c.value).filter((v) => v === t.value || form.trainers.includes(v)) : form.trainers.filter((v) => v !== t.value))} />
                  {t.label}
                </label>
              ))}
            </div>
            <p className="mt-1 text-xs text-neutral-600">LLaMA-Factory always gets image files; TRL always gets the bytes inside its Parquet; ms-swift follows the image choice below.</p>
          </fieldset>
        ) : null}
        <fieldset>
          <legend className="text-sm">Images (Parquet and verifier formats)</legend>
          <div className="mt-1 space-y-1">
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name={`${id}-images`} value="files" checked={form.images === "files"} onChange={() => set("images", "files")} />
              As files, referenced by relative path
            </label>
            <label className="flex items-center gap-2 text-sm">
              <input type="radio" name={`${id}-images`} value="embedded" checked={form.images === "embedded"} onChange={() => set("images", "embedded")} />
              Embedded bytes
            </label>
          </div>
        </fieldset>
        <div>
          <label htmlFor={`${id}-validation`} className="text-sm">Validation share</label>
          <input id={`${id}-validation`} type="number" inputMode="decimal" min={0} max={0.5} step="any" value={form.validationFraction}
            aria-describedby={`${id}-validation-help`} className={INPUT} onChange={(e) => set("validationFraction", e.target.value)} />
          <p id={`${id}-validation-help`} className="mt-1 text-xs text-neutral-600">
            0–0.5. A pair&apos;s side comes from a hash of its external id, so it never moves between exports.
          </p>
        </div>
      </fieldset>

      <ExportCount projectId={projectId} filters={countFilters} />

      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={start.isPending} className="rounded bg-indigo-700 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-800 disabled:opacity-60">
          {start.isPending ? "Starting…" : "Start export"}
        </button>
        {note ? (
          <p role={note.kind === "error" ? "alert" : "status"} className={`text-sm ${note.kind === "error" ? "text-red-700" : "text-neutral-700"}`}>
            {note.text}
          </p>
        ) : null}
      </div>
    </form>
  );
}
