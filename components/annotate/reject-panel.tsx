"use client";

import { REASON_KEYS } from "./keys";

export interface TReason {
  code: string;
  label: string;
  dimension: string;
}

export function RejectPanel({ reasons, selected, onToggle, onSubmit, onCancel }: {
  reasons: TReason[];
  selected: string[];
  onToggle: (code: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  return (
    <fieldset className="rounded-lg border border-rose-300 bg-rose-50 p-2 shadow-lg">
      <legend className="rounded bg-rose-50 px-1 text-xs font-medium text-rose-900">Reject reasons — 1–9, 0, -, = toggle · Enter submits · Esc cancels</legend>
      <div className="grid gap-0.5 sm:grid-cols-2 lg:grid-cols-1">
        {reasons.map((r, i) => {
          const id = `reason-${r.code}`;
          return (
            <label key={r.code} htmlFor={id} className="flex cursor-pointer items-center gap-1.5 rounded px-1 py-0.5 text-sm leading-tight hover:bg-rose-100 lg:text-xs">
              <input id={id} type="checkbox" checked={selected.includes(r.code)} onChange={() => onToggle(r.code)} />
              {REASON_KEYS[i] ? <kbd aria-hidden="true" className="w-5 rounded border border-rose-300 text-center font-mono text-xs">{REASON_KEYS[i]}</kbd> : <span className="w-5" />}
              <span>{r.label}</span>
              <span className="ml-auto text-xs text-rose-700" title="Verifier dimension">{r.dimension}</span>
            </label>
          );
        })}
      </div>
      <div className="sticky bottom-0 mt-1 flex gap-2 bg-rose-50 pt-1">
        <button type="button" onClick={onSubmit} className="rounded-md bg-rose-600 px-3 py-1 text-sm font-medium text-white hover:bg-rose-700">
          Submit reject
        </button>
        <button type="button" onClick={onCancel} className="rounded-md border border-neutral-300 bg-white px-3 py-1 text-sm">
          Cancel
        </button>
      </div>
    </fieldset>
  );
}
