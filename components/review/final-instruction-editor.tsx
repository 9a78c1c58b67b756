"use client";

import { useEffect, type RefObject } from "react";
import { CharCounter } from "@/components/workbench/char-counter";
import { charsLeft } from "@/components/workbench/pair-flow";
import { decisionForEdit } from "@/lib/review/explain";
import { FINAL_INSTRUCTION_MAX_CHARS } from "@/lib/review/types";
import { WordDiff } from "./word-diff";

/** The final instruction being written, as a word diff against the original; Ctrl+Enter submits. */
export function FinalInstructionEditor({ original, draft, onChange, onSubmit, onCancel, busy, editorRef, focusKey }: {
  original: string;
  draft: string;
  onChange: (text: string) => void;
  onSubmit: () => void;
  onCancel: () => void;
  busy: boolean;
  editorRef: RefObject<HTMLTextAreaElement | null>;
  /** Changed to move focus into the editor again (a candidate taken, E pressed). */
  focusKey: number;
}) {
  useEffect(() => {
    const el = editorRef.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [editorRef, focusKey]);
  const tooLong = charsLeft(draft, FINAL_INSTRUCTION_MAX_CHARS) < 0;

  return (
    <section aria-label="Final instruction editor" className="rounded-lg border border-amber-300 bg-amber-50 p-3 shadow-lg">
      <label htmlFor="final-instruction" className="block font-medium text-amber-900">
        Final instruction — Ctrl+Enter submits, Esc cancels
      </label>
      <textarea id="final-instruction" ref={editorRef} value={draft} rows={5} onChange={(e) => onChange(e.target.value)}
        aria-describedby="final-instruction-count" aria-invalid={tooLong || undefined}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            onSubmit();
          } else if (e.key === "Escape") {
            e.preventDefault();
            onCancel();
          }
        }}
        className="mt-2 w-full rounded-md border border-amber-300 bg-white p-2 text-base" />
      <CharCounter id="final-instruction-count" text={draft} max={FINAL_INSTRUCTION_MAX_CHARS} />
      <p className="mt-1 text-sm text-amber-950">
        <span className="font-medium">Against the original: </span>
        <WordDiff from={original} to={draft} />
      </p>
      <p className="mt-1 text-xs text-amber-900">
        Submits as {decisionForEdit(original, draft) === "accept" ? "an accept (same as the original)" : "a re-caption"}.
      </p>
      <div className="mt-2 flex gap-2">
        <button type="button" onClick={onSubmit} disabled={busy || tooLong} aria-keyshortcuts="Control+Enter"
          className="rounded-md bg-amber-500 px-3 py-1.5 font-medium text-neutral-950 hover:bg-amber-600 disabled:opacity-50">
          Submit final instruction
        </button>
        <button type="button" onClick={onCancel} className="rounded-md border border-neutral-300 bg-white px-3 py-1.5">
          Cancel
        </button>
      </div>
    </section>
  );
}
