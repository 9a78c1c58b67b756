"use client";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { requestJson } from "@/components/admin/quality/request";

/** Draws a new audit round; the page re-renders with it. */
export function AuditRoundForm({ projectId, defaultSize, defaultAllocation }: {
  projectId: number;
  defaultSize: number;
  defaultAllocation: "proportional" | "equal";
}) {
  const router = useRouter();
  const id = useId();
  const [size, setSize] = useState(String(defaultSize));
  const [allocation, setAllocation] = useState<"proportional" | "equal">(defaultAllocation);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setNote(null);
    try {
      const r = await requestJson<{ round: number; sampleSize: number; frameSize: number }>(`/api/projects/${projectId}/audit-rounds`, {
        method: "POST",
        body: JSON.stringify({ allocation, size: Number(size) }),
      });
      setNote({ kind: "ok", text: `Round ${r.round} drew ${r.sampleSize.toLocaleString("en-US")} of ${r.frameSize.toLocaleString("en-US")} pairs.` });
      router.refresh();
    } catch (err) {
      setNote({ kind: "error", text: err instanceof Error ? err.message : "The round could not be drawn." });
    } finally {
      setBusy(false);
    }
  }

  const field = "mt-1 block rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm";
  return (
    <form onSubmit={submit} aria-label="Draw an audit round" className="flex flex-wrap items-end gap-3 rounded-lg border border-neutral-200 bg-white p-3">
      <fieldset className="text-sm">
        <legend>Allocation</legend>
        <label className="mr-3 inline-flex items-center gap-1">
          <input type="radio" name="allocation" value="proportional" checked={allocation === "proportional"} onChange={() => setAllocation("proportional")} />
          Proportional (a total split by stratum size)
        </label>
        <label className="inline-flex items-center gap-1">
          <input type="radio" name="allocation" value="equal" checked={allocation === "equal"} onChange={() => setAllocation("equal")} />
          Equal (this many from each stratum)
        </label>
      </fieldset>
      <div className="text-sm">
        <label htmlFor={`${id}-size`}>Sample size</label>
        <input id={`${id}-size`} type="number" min={1} max={100000} step={1} required value={size} onChange={(e) => setSize(e.target.value)}
          className={`${field} w-32`} />
      </div>
      <button type="submit" disabled={busy} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {busy ? "Drawing…" : "Draw a new round"}
      </button>
      <p role="status" className={`w-full text-sm ${note?.kind === "error" ? "text-red-700" : "text-neutral-700"}`}>{note?.text ?? ""}</p>
    </form>
  );
}
