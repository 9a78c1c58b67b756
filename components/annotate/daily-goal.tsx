"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { annotateKeys, putDailyGoal } from "./api";

/** The annotator's own daily goal: shown beside "done today", set or cleared in a small inline form. */
export function DailyGoal({ projectId, goal, today }: { projectId: number; goal: number | null; today: number }) {
  const id = useId();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(goal === null ? "" : String(goal));
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (next: number | null) => putDailyGoal(projectId, next),
    onSuccess: () => {
      setEditing(false);
      setError(null);
      void qc.invalidateQueries({ queryKey: annotateKeys.progress(projectId) });
    },
    onError: (e) => setError(e instanceof Error ? e.message : "The goal could not be saved; try again."),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(value);
    if (value.trim() === "" || !Number.isInteger(n) || n < 1) {
      setError("Type a whole number of pairs, 1 or more.");
      return;
    }
    save.mutate(n);
  };
  if (!editing) {
    return (
      <span>
        {goal !== null ? (
          <span className={today >= goal ? "text-emerald-700" : undefined}>goal {goal.toLocaleString()} </span>
        ) : null}
        <button type="button" className="text-indigo-700 underline" onClick={() => { setValue(goal === null ? "" : String(goal)); setEditing(true); }}>
          {goal === null ? "Set a daily goal" : "Change goal"}
        </button>
      </span>
    );
  }
  return (
    <form onSubmit={onSubmit} className="inline-flex items-center gap-2" aria-label="Daily goal">
      <label htmlFor={`${id}-goal`} className="sr-only">Pairs a day</label>
      <input id={`${id}-goal`} type="number" inputMode="numeric" min={1} max={100000} value={value} autoFocus
        onChange={(e) => setValue(e.target.value)} className="w-24 rounded border border-neutral-300 px-1 py-0.5"
        aria-describedby={error ? `${id}-error` : undefined} />
      <button type="submit" className="rounded border border-neutral-300 px-2 py-0.5" disabled={save.isPending}>Save</button>
      {goal !== null ? (
        <button type="button" className="rounded border border-neutral-300 px-2 py-0.5" disabled={save.isPending} onClick={() => save.mutate(null)}>
          Clear
        </button>
      ) : null}
      <button type="button" className="px-1 text-neutral-600 underline" onClick={() => { setEditing(false); setError(null); }}>Cancel</button>
      {error ? <span id={`${id}-error`} role="alert" className="text-red-700">{error}</span> : null}
    </form>
  );
}
