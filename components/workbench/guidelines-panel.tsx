"use client";

/**
 * The project's guidelines, opened beside the images from the header's toggle. The slot where the
 * guidelines are rendered: the text as written for now.
 */
export function GuidelinesPanel({ guidelines, onClose }: { guidelines: string; onClose: () => void }) {
  return (
    <section id="guidelines-panel" aria-label="Guidelines" className="flex min-h-0 flex-1 flex-col rounded-lg border border-neutral-300 bg-white shadow-lg">
      <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-1.5">
        <h2 className="text-sm font-semibold">Guidelines</h2>
        <button type="button" onClick={onClose} className="rounded px-2 py-0.5 text-sm hover:bg-neutral-100">Close</button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto whitespace-pre-wrap p-3 text-sm text-neutral-800">{guidelines}</div>
    </section>
  );
}
