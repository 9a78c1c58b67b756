"use client";

import { useEffect, useRef } from "react";
import { RECAPTION_MAX_CHARS } from "@/lib/queue/schemas";
import { CharCounter } from "@/components/workbench/char-counter";
import { charsLeft } from "@/components/workbench/pair-flow";

export function RecaptionPanel({ original, value, onChange, onSubmit, onCancel, busy }: {
  original: string;
  value: string;
  onChange: (v: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
  busy: boolean;
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  const tooLong = charsLeft(value, RECAPTION_MAX_CHARS) < 0;
  const empty = value.trim() === "";
  return (
    <section aria-label="Re-caption" className="flex flex-col gap-2 rounded-lg border border-amber-300 bg-amber-50 p-3 shadow-lg">
      <label htmlFor="recaption" className="block text-sm font-medium text-amber-900">
        Instruction that describes the edit actually made — Ctrl+Enter submits, Esc cancels
      </label>
      <textarea id="recaption" ref={ref} value={value} rows={6} onChange={(e) => onChange(e.target.value)}
        aria-describedby="recaption-count" aria-invalid={tooLong || undefined}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSubmit();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onCancel();
          }
        }}
        className="w-full rounded-md border border-amber-300 bg-white p-2 text-base" />
      <CharCounter id="recaption-count" text={value} max={RECAPTION_MAX_CHARS} />
      <p className="text-xs text-amber-900">Original: {original}</p>
      <div className="flex flex-wrap gap-2">
        <button type="button" onClick={onSubmit} disabled={busy || tooLong || empty}
          className="rounded-md bg-amber-500 px-3 py-1.5 font-medium text-neutral-950 hover:bg-amber-600 disabled:opacity-50">
          Submit re-caption
        </button>
        <button type="button" onClick={onCancel} className="rounded-md border border-neutral-300 bg-white px-3 py-1.5">
          Cancel
        </button>
      </div>
    </section>
  );
}
