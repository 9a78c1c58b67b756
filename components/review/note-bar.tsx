import type { RefObject } from "react";

export function NoteBar({ note, onNote, noteRef, canPromote, promote, onPromote }: {
  note: string;
  onNote: (text: string) => void;
  noteRef: RefObject<HTMLInputElement | null>;
  canPromote: boolean;
  promote: boolean;
  onPromote: (on: boolean) => void;
}) {
  return (
    <div className="flex shrink-0 flex-wrap items-center gap-x-4 gap-y-1 rounded-lg border border-neutral-200 bg-white px-2 py-1">
      <label htmlFor="review-note" className="flex min-w-48 flex-1 items-center gap-2 text-sm">
        <span className="shrink-0">Note (optional)</span>
        <input id="review-note" ref={noteRef} type="text" value={note} maxLength={2000} aria-keyshortcuts="N"
          onChange={(e) => onNote(e.target.value)}
          onKeyDown={(e) => {
            // Enter or Esc hands the keyboard back to the shortcuts, keeping the note.
            if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Escape") {
              e.preventDefault();
              e.currentTarget.blur();
            }
          }}
          className="w-full rounded-md border border-neutral-300 px-2 py-1" />
      </label>
      {canPromote ? (
        <label htmlFor="promote-gold" className="flex items-center gap-2 text-sm">
          <input id="promote-gold" type="checkbox" checked={promote} onChange={(e) => onPromote(e.target.checked)}
            aria-keyshortcuts="G" />
          Promote to gold
          <kbd aria-hidden="true" className="rounded border border-neutral-300 px-1 font-mono text-xs">G</kbd>
        </label>
      ) : null}
    </div>
  );
}
