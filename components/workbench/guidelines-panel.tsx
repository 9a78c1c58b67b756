"use client";

import { GuidelinesMarkdown } from "@/components/guidelines/guidelines-markdown";

/** The project's guidelines as Markdown, opened beside the images from the header's toggle. */
export function GuidelinesPanel({ guidelines, onClose }: { guidelines: string; onClose: () => void }) {
  return (
    <section id="guidelines-panel" aria-label="Guidelines" className="flex min-h-0 flex-1 flex-col rounded-lg border border-neutral-300 bg-white shadow-lg">
      <div className="flex items-center justify-between border-b border-neutral-200 px-3 py-1.5">
        <h2 className="text-sm font-semibold">Guidelines</h2>
        <button type="button" onClick={onClose} className="rounded px-2 py-0.5 text-sm hover:bg-neutral-100">Close</button>
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto p-3 text-sm leading-relaxed text-neutral-800">
        <GuidelinesMarkdown markdown={guidelines} />
      </div>
    </section>
  );
}
