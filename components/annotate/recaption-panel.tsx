"use client";

import { useEffect, useRef } from "react";

export function RecaptionPanel({ original, value, onChange, onSubmit, onCancel }: {
  original: string;
  value: string;
  onChange: (v: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);
  return (
    <div className="rounded-lg border border-amber-200 bg-amber-50 p-4">
      <label htmlFor="recaption" className="block font-medium text-amber-900">
        Instruction that describes the edit actually made — Ctrl+Enter submits, Esc cancels
      </label>
      <textarea id="recaption" ref={ref} value={value} rows={3} onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSubmit();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onCancel();
          }
        }}
        className="mt-2 w-full rounded-md border border-amber-300 bg-white p-2 text-lg" />
      <p className="mt-1 text-xs text-amber-900">Original: {original}</p>
      <div className="mt-2 flex gap-2">
        <button type="button" onClick={onSubmit} className="rounded-md bg-amber-500 px-3 py-1.5 font-medium text-neutral-950 hover:bg-amber-600">
          Submit re-caption
        </button>
        <button type="button" onClick={onCancel} className="rounded-md border border-neutral-300 bg-white px-3 py-1.5">
          Cancel
        </button>
      </div>
    </div>
  );
}
