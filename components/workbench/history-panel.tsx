"use client";

import { decisionVerb, type THistoryEntry } from "./pair-flow";

/**
 * This session's last decisions, newest first, each with its own Undo: it takes back exactly that pair's
 * decision and shows that pair again. An entry whose lease has ended says so (the server refuses the undo then).
 */
export function HistoryPanel({ title, history, now, busy, onUndo, onClose, emptyText }: {
  title: string;
  history: readonly THistoryEntry[];
  now: number;
  busy: boolean;
  onUndo: (entry: THistoryEntry) => void;
  onClose: () => void;
  emptyText: string;
}) {
  return (
    <section aria-label={title} className="flex min-h-0 flex-col rounded-lg border border-neutral-300 bg-white shadow-lg">
      <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-1.5">
        <h2 className="text-sm font-semibold">{title}</h2>
        <button type="button" onClick={onClose} className="rounded px-2 py-0.5 text-sm hover:bg-neutral-100">Close</button>
      </div>
      {history.length === 0 ? (
        <p className="p-3 text-sm text-neutral-600">{emptyText}</p>
      ) : (
        <ol className="min-h-0 divide-y divide-neutral-100 overflow-y-auto">
          {history.map((h) => {
            const open = Date.parse(h.undoUntil) > now;
            const what = `${decisionVerb(h.decision)}: ${h.instruction}`;
            return (
              <li key={h.pairId} className="flex items-start gap-2 px-3 py-1.5 text-sm" data-history-pair={h.pairId}>
                <div className="min-w-0 flex-1">
                  <p className="font-medium">{decisionVerb(h.decision)} <span className="font-normal text-neutral-500">· pair {h.pairId}</span></p>
                  <p className="line-clamp-2 text-neutral-700" title={h.instruction}>{h.instruction}</p>
                </div>
                {open ? (
                  <button type="button" disabled={busy} onClick={() => onUndo(h)} aria-label={`Undo ${what}`}
                    className="shrink-0 rounded-md border border-neutral-300 px-2 py-0.5 hover:bg-neutral-100 disabled:opacity-50">
                    Undo
                  </button>
                ) : (
                  <span className="shrink-0 text-xs text-neutral-500">no longer undoable</span>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
