"use client";

import { useEffect, useRef } from "react";

const KEYS: [string, string][] = [
  ["A", "Accept: the final instruction is the original; submits"],
  ["R", "Reject, then 1–9, 0, -, = to toggle reasons 1–12 and Enter to submit"],
  ["1–9", "Take candidate 1–9 into the final-instruction editor"],
  ["E", "Edit the final instruction in place (starts from the re-caption most annotators wrote)"],
  ["Ctrl+Enter", "Submit the edited instruction (an accept when it equals the original)"],
  ["N", "Write a note for this decision (Enter or Esc returns to the shortcuts)"],
  ["G", "Promote to gold on or off for this decision"],
  ["S", "Skip: hand the pair back to the queue and take the next"],
  ["V", "Cycle view: side by side → slider → flicker"],
  ["D", "Change heatmap on or off (back to the previous view)"],
  ["Space (hold)", "Show the source in place of the edit"],
  ["Esc", "Cancel the reject panel or the editor, close this help"],
  ["?", "Show or hide this help"],
];

export function ReviewKeyHelp({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onClose}>
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby="review-keyhelp-title" tabIndex={-1}
        className="w-full max-w-lg rounded-xl bg-white p-6 shadow-xl" onClick={(e) => e.stopPropagation()}>
        <h2 id="review-keyhelp-title" className="text-lg font-semibold">Keyboard shortcuts</h2>
        <dl className="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          {KEYS.map(([k, v]) => (
            <div key={k} className="contents">
              <dt><kbd className="rounded border border-neutral-300 bg-neutral-50 px-1.5 font-mono">{k}</kbd></dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        <button type="button" onClick={onClose} className="mt-6 rounded-md border border-neutral-300 px-3 py-1.5">
          Close
        </button>
      </div>
    </div>
  );
}
