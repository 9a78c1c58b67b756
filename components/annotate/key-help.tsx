"use client";

import { useEffect, useRef } from "react";

const KEYS: [string, string][] = [
  ["A", "Accept"],
  ["R", "Reject, then 1–9, 0, -, = to toggle reasons 1–12 and Enter to submit"],
  ["E", "Re-caption: edit the instruction, Ctrl+Enter to submit"],
  ["S", "Skip this pair"],
  ["Z", "Undo your last decision (while the pair is still leased to you)"],
  ["V", "Cycle view: side by side → slider → flicker"],
  ["D", "Change heatmap on or off (back to the previous view)"],
  ["Space (hold)", "Show the source in place of the edit"],
  ["Wheel / drag", "Zoom and pan both images together; double-click resets"],
  ["Esc", "Cancel reject or re-caption, close this help"],
  ["?", "Show or hide this help"],
];

export function KeyHelp({ onClose }: { onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onClose}>
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby="keyhelp-title" tabIndex={-1}
        className="w-full max-w-lg rounded-xl bg-white p-6 shadow-xl" onClick={(e) => e.stopPropagation()}>
        <h2 id="keyhelp-title" className="text-lg font-semibold">Keyboard shortcuts</h2>
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
