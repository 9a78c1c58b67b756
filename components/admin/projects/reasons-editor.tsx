"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { callJson } from "@/components/ui/api-client";
import { DIMENSIONS, reasonCode, type TDimension, type TRejectReason } from "@/lib/projects/reasons";

const DIMENSION_NAMES: Record<TDimension, string> = {
  IF: "IF · instruction following",
  NC: "NC · no collateral change",
  VQ: "VQ · visual quality",
  RA: "RA · reasoning",
};

/** The reject-reason taxonomy: add, rename, map to a dimension, retire or restore. Codes never change. */
export function ReasonsEditor({ projectId, initial }: { projectId: number; initial: TRejectReason[] }) {
  const router = useRouter();
  const id = useId();
  const [reasons, setReasons] = useState<TRejectReason[]>(initial);
  const [newLabel, setNewLabel] = useState("");
  const [newDimension, setNewDimension] = useState<TDimension>("IF");
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const saved = new Set(initial.map((r) => r.code));

  const update = (code: string, patch: Partial<TRejectReason>) =>
    setReasons((rs) => rs.map((r) => (r.code === code ? { ...r, ...patch } : r)));

  function add(e: FormEvent) {
    e.preventDefault();
    const label = newLabel.trim();
    if (!label) return;
    setReasons((rs) => [...rs, { code: reasonCode(label, new Set(rs.map((r) => r.code))), label, dimension: newDimension }]);
    setNewLabel("");
  }

  async function save() {
    setBusy(true);
    setNote(null);
    try {
      const r = await callJson<{ reasons: TRejectReason[] }>(`/api/projects/${projectId}/reasons`, {
        method: "PUT", body: JSON.stringify({ reasons }),
      });
      setReasons(r.reasons);
      const active = r.reasons.filter((x) => !x.retired).length;
      setNote({ ok: true, text: `Reasons saved: ${active} in use, ${r.reasons.length - active} retired.` });
      router.refresh();
    } catch (err) {
      setNote({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby={`${id}-h`} className="space-y-3 rounded-lg border border-line bg-surface p-4">
      <h2 id={`${id}-h`} className="text-lg font-semibold">Reject reasons</h2>
      <p className="text-sm text-muted">
        Each reason supervises one verifier dimension. A reason cannot be deleted, only retired: labels that used it keep
        it, and it is no longer offered.
      </p>
      <ul className="space-y-2">
        {reasons.map((r) => (
          <li key={r.code} className={`flex flex-wrap items-center gap-2 ${r.retired ? "opacity-70" : ""}`}>
            <input value={r.label} onChange={(e) => update(r.code, { label: e.target.value })} maxLength={80}
              aria-label={`Name of reason ${r.code}`} className="w-80 rounded-md border border-line bg-surface px-2 py-1 text-sm" />
            <select value={r.dimension} onChange={(e) => update(r.code, { dimension: e.target.value as TDimension })}
              aria-label={`Dimension of ${r.label}`} className="rounded-md border border-line bg-surface px-2 py-1 text-sm">
              {DIMENSIONS.map((d) => <option key={d} value={d}>{DIMENSION_NAMES[d]}</option>)}
            </select>
            {r.retired ? <span className="text-sm text-muted">retired</span> : null}
            {saved.has(r.code) ? (
              <button type="button" onClick={() => update(r.code, { retired: !r.retired })}
                className="rounded-md border border-line px-2 py-1 text-sm">
                {r.retired ? `Restore ${r.label}` : `Retire ${r.label}`}
              </button>
            ) : (
              <button type="button" onClick={() => setReasons((rs) => rs.filter((x) => x.code !== r.code))}
                className="rounded-md border border-line px-2 py-1 text-sm">
                {`Remove ${r.label}`}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form onSubmit={add} className="flex flex-wrap items-end gap-2 border-t border-line pt-3">
        <div>
          <label htmlFor={`${id}-new`} className="block text-sm font-medium">New reason</label>
          <input id={`${id}-new`} value={newLabel} onChange={(e) => setNewLabel(e.target.value)} maxLength={80}
            className="mt-1 w-80 rounded-md border border-line bg-surface px-2 py-1 text-sm" />
        </div>
        <div>
          <label htmlFor={`${id}-dim`} className="block text-sm font-medium">Dimension</label>
          <select id={`${id}-dim`} value={newDimension} onChange={(e) => setNewDimension(e.target.value as TDimension)}
            className="mt-1 rounded-md border border-line bg-surface px-2 py-1 text-sm">
            {DIMENSIONS.map((d) => <option key={d} value={d}>{DIMENSION_NAMES[d]}</option>)}
          </select>
        </div>
        <button type="submit" className="rounded-md border border-line px-3 py-1.5 text-sm font-medium">Add reason</button>
      </form>
      <button type="button" onClick={() => void save()} disabled={busy}
        className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg disabled:opacity-50">
        Save reasons
      </button>
      {note ? <p role={note.ok ? "status" : "alert"} className={`text-sm ${note.ok ? "text-success" : "text-danger"}`}>{note.text}</p> : null}
    </section>
  );
}
