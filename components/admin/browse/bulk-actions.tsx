"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useRef, useState, useTransition } from "react";
import { countBulk, runBulk, type TBulkAction } from "./api";

const ACTIONS: { key: TBulkAction; label: string; verb: string }[] = [
  { key: "review", label: "Send to review", verb: "send to review" },
  { key: "retire-gold", label: "Retire gold", verb: "retire from gold" },
  { key: "export", label: "Start an export", verb: "export (canonical JSONL)" },
];

/** Bulk actions on every pair the current filter matches, each confirmed with the count it would change. */
export function BulkActions({ projectId, filters, description }: { projectId: number; filters: Record<string, unknown>; description: string }) {
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [pending, startTransition] = useTransition();
  const [confirm, setConfirm] = useState<{ action: (typeof ACTIONS)[number]; count: number; limit: number } | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string; exportId?: string } | null>(null);

  function ask(action: (typeof ACTIONS)[number]) {
    setMessage(null);
    startTransition(async () => {
      try {
        const { count, limit } = await countBulk(projectId, action.key, filters);
        setConfirm({ action, count, limit });
        dialogRef.current?.showModal();
      } catch (err) {
        setMessage({ ok: false, text: (err as Error).message });
      }
    });
  }

  function go() {
    if (!confirm) return;
    startTransition(async () => {
      try {
        const r = await runBulk(projectId, confirm.action.key, filters, confirm.count);
        dialogRef.current?.close();
        setMessage(confirm.action.key === "export"
          ? { ok: true, text: `Export ${r.exportId} started.`, exportId: r.exportId }
          : { ok: true, text: `${r.changed.toLocaleString("en")} ${r.changed === 1 ? "pair" : "pairs"} changed.` });
        setConfirm(null);
        router.refresh();
      } catch (err) {
        dialogRef.current?.close();
        setMessage({ ok: false, text: (err as Error).message });
      }
    });
  }

  const over = confirm ? confirm.count > confirm.limit : false;
  const countText = confirm ? (over ? `more than ${confirm.limit.toLocaleString("en")}` : confirm.count.toLocaleString("en")) : "";
  return (
    <section aria-labelledby="bulk-heading" className="space-y-2">
      <h2 id="bulk-heading" className="text-sm font-semibold">On every pair this filter matches</h2>
      <div className="flex flex-wrap gap-2">
        {ACTIONS.map((a) => (
          <button key={a.key} type="button" disabled={pending} onClick={() => ask(a)}
            className="rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm disabled:opacity-50">
            {a.label}…
          </button>
        ))}
      </div>
      <p role="status" className={`text-sm ${message?.ok === false ? "text-red-700" : "text-green-800"}`}>
        {message?.text ?? ""}
        {message?.exportId ? <> <Link href={`/admin/projects/${projectId}/export`} className="text-indigo-700 underline">Follow it on the export page</Link></> : null}
      </p>
      <dialog ref={dialogRef} aria-labelledby="bulk-confirm-title" onClose={() => setConfirm(null)} className="rounded-lg p-5 shadow-xl backdrop:bg-black/30">
        {confirm ? (
          <div className="max-w-md space-y-3">
            <h3 id="bulk-confirm-title" className="text-lg font-semibold">{confirm.action.label}?</h3>
            {confirm.count === 0 ? (
              <p>No pair matching this filter can be {confirm.action.key === "export" ? "exported (exports take final pairs)" : confirm.action.verb.replace("send", "sent").replace("retire", "retired")}.</p>
            ) : over && confirm.action.key !== "export" ? (
              <p>This filter matches {countText} pairs, more than one bulk action changes. Narrow the filter first.</p>
            ) : (
              <p>This will {confirm.action.verb} <strong>{countText}</strong> {confirm.count === 1 ? "pair" : "pairs"} matching: {description}.</p>
            )}
            <div className="flex justify-end gap-2">
              <button type="button" onClick={() => dialogRef.current?.close()} className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm">Cancel</button>
              {confirm.count > 0 && (!over || confirm.action.key === "export") ? (
                <button type="button" disabled={pending} onClick={go} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white disabled:opacity-50">
                  {confirm.action.label} ({countText})
                </button>
              ) : null}
            </div>
          </div>
        ) : null}
      </dialog>
    </section>
  );
}
