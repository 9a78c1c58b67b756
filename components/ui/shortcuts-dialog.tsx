"use client";

import { useEffect, useId, useRef } from "react";

/** The "?" dialog of a keyboard-first page: each key with what it does. Focus moves in on open. */
export function ShortcutsDialog({ keys, onClose }: { keys: readonly (readonly [string, string])[]; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/40 p-4" onClick={onClose}>
      <div ref={ref} role="dialog" aria-modal="true" aria-labelledby={titleId} tabIndex={-1}
        className="w-full max-w-lg rounded-xl bg-white p-6 shadow-xl" onClick={(e) => e.stopPropagation()}>
        <h2 id={titleId} className="text-lg font-semibold">Keyboard shortcuts</h2>
        <dl className="mt-4 grid grid-cols-[max-content_1fr] gap-x-4 gap-y-2 text-sm">
          {keys.map(([k, v]) => (
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
