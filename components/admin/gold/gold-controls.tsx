"use client";

import { useRouter } from "next/navigation";
import { useRef, useState, useTransition, type FormEvent } from "react";
import { promoteToGold, saveGoldActive, saveGoldAnswer, type TGoldDecision } from "./api";

export interface TGoldReason {
  code: string;
  label: string;
  dimension: string;
}

export interface TGoldRowItem {
  id: string;
  externalId: string;
  instruction: string;
  decision: TGoldDecision;
  reasons: string[];
  reference: string | null;
  active: boolean;
}

const DECISIONS: [TGoldDecision, string][] = [
  ["accept", "Accept"],
  ["reject", "Reject"],
  ["recaption", "Re-caption"],
];

export function GoldRowControls({ item, reasons }: { item: TGoldRowItem; reasons: TGoldReason[] }) {
  const router = useRouter();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [decision, setDecision] = useState<TGoldDecision>(item.decision);
  const [selected, setSelected] = useState<string[]>(item.reasons);
  const [reference, setReference] = useState(item.reference ?? "");
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const idBase = `gold-${item.id}`;

  function openDialog() {
    setDecision(item.decision);
    setSelected(item.reasons);
    setReference(item.reference ?? "");
    setError(null);
    dialogRef.current?.showModal();
  }

  function save(e: FormEvent) {
    e.preventDefault();
    startTransition(async () => {
      try {
        const { gold } = await saveGoldAnswer(item.id, {
          decision,
          reasons: decision === "reject" ? selected : [],
          instruction: decision === "recaption" ? reference.trim() || null : null,
        });
        dialogRef.current?.close();
        setMessage(gold.checks > 0
          ? `Saved. ${gold.checks} earlier checks re-scored: ${gold.correctBefore} → ${gold.correctAfter} correct.`
          : "Saved.");
        router.refresh();
      } catch (err) {
        setError((err as Error).message);
      }
    });
  }

  function toggleActive() {
    startTransition(async () => {
      try {
        await saveGoldActive(item.id, !item.active);
        setMessage(item.active ? "Retired: no longer served or scored." : "Reactivated: served and scored again.");
        router.refresh();
      } catch (err) {
        setMessage((err as Error).message);
      }
    });
  }

  return (
    <div className="flex flex-col items-start gap-1">
      <div className="flex gap-2">
        <button type="button" onClick={openDialog} aria-label={`Edit gold pair ${item.externalId}`}
          className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100">
          Edit
        </button>
        <button type="button" onClick={toggleActive} disabled={pending}
          aria-label={`${item.active ? "Retire" : "Reactivate"} gold pair ${item.externalId}`}
          className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100 disabled:opacity-50">
          {item.active ? "Retire" : "Reactivate"}
        </button>
      </div>
      {message ? <p role="status" className="text-xs text-neutral-700">{message}</p> : null}

      <dialog ref={dialogRef} aria-labelledby={`${idBase}-title`} className="m-auto w-full max-w-lg rounded-xl p-0 shadow-xl backdrop:bg-black/40">
        <form onSubmit={save} className="space-y-4 p-6">
          <h2 id={`${idBase}-title`} className="text-lg font-semibold">Gold answer for {item.externalId}</h2>
          <p className="text-sm text-neutral-600">Instruction: {item.instruction}</p>
          <fieldset>
            <legend className="text-sm font-medium">Expected decision</legend>
            <div className="mt-1 flex gap-4">
              {DECISIONS.map(([d, label]) => (
                <label key={d} className="flex items-center gap-1 text-sm">
                  <input type="radio" name={`${idBase}-decision`} value={d} checked={decision === d} onChange={() => setDecision(d)} />
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          {decision === "reject" ? (
            <fieldset>
              <legend className="text-sm font-medium">Expected reasons <span className="font-normal text-neutral-600">(a reject naming any one counts; none: any reason)</span></legend>
              <div className="mt-1 grid gap-1 sm:grid-cols-2">
                {reasons.map((r) => (
                  <label key={r.code} className="flex items-center gap-2 text-sm">
                    <input type="checkbox" checked={selected.includes(r.code)}
                      onChange={() => setSelected((s) => (s.includes(r.code) ? s.filter((c) => c !== r.code) : [...s, r.code]))} />
                    {r.label} <span className="text-xs text-neutral-500">{r.dimension}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ) : null}
          {decision === "recaption" ? (
            <label className="block text-sm font-medium">
              Reference re-caption <span className="font-normal text-neutral-600">(optional; re-captions close to it count as correct)</span>
              <textarea value={reference} onChange={(e) => setReference(e.target.value)} rows={3} maxLength={4000}
                className="mt-1 w-full rounded-md border border-neutral-300 p-2 font-normal" />
            </label>
          ) : null}
          {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
              Save answer
            </button>
            <button type="button" onClick={() => dialogRef.current?.close()} className="rounded-md border border-neutral-300 px-3 py-1.5">
              Cancel
            </button>
          </div>
        </form>
      </dialog>
    </div>
  );
}

export function PromoteGoldForm({ projectId }: { projectId: number }) {
  const router = useRouter();
  const [pairId, setPairId] = useState("");
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  function submit(e: FormEvent) {
    e.preventDefault();
    const id = pairId.trim();
    startTransition(async () => {
      try {
        await promoteToGold(projectId, id);
        setResult({ ok: true, text: `Pair ${id} is now gold.` });
        setPairId("");
        router.refresh();
      } catch (err) {
        setResult({ ok: false, text: (err as Error).message });
      }
    });
  }

  return (
    <form onSubmit={submit} aria-label="Promote a pair to gold" className="flex flex-wrap items-end gap-2 rounded-lg border border-neutral-200 bg-white p-3">
      <label className="text-sm">
        Pair id (a final pair)
        <input value={pairId} onChange={(e) => setPairId(e.target.value)} required inputMode="numeric" pattern="[1-9][0-9]*"
          className="mt-1 block w-40 rounded border border-neutral-300 px-2 py-1" />
      </label>
      <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white disabled:opacity-60">
        Promote to gold
      </button>
      {result ? (
        <p role={result.ok ? "status" : "alert"} className={`w-full text-sm ${result.ok ? "text-emerald-700" : "text-red-700"}`}>{result.text}</p>
      ) : null}
    </form>
  );
}
