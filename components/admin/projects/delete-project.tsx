"use client";

import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { callJson } from "@/components/ui/api-client";
import type { TDeletionAccount } from "@/lib/projects/schemas";

const n = (v: number) => v.toLocaleString("en-US");

/** The account of what goes, then the project's name typed exactly to confirm. */
export function DeleteProject({ projectId, account }: { projectId: number; account: TDeletionAccount }) {
  const router = useRouter();
  const id = useId();
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await callJson(`/api/projects/${projectId}`, { method: "DELETE", body: JSON.stringify({ confirmName: typed }) });
      router.push(`/admin?deleted=${encodeURIComponent(account.name)}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4 rounded-lg border border-line bg-surface p-4">
      <h2 className="text-lg font-semibold">What is removed</h2>
      <ul className="list-disc space-y-1 pl-5 text-sm">
        <li>{n(account.pairs)} pairs, with their leases, skips, verifier outputs and review history</li>
        <li>{n(account.labels)} labels</li>
        <li>{n(account.exports)} exports with their files, {n(account.imports)} imports with their reports, {n(account.webhooks)} webhook endpoints</li>
        <li>the team, the settings and the gold set</li>
      </ul>
      <p className="text-sm text-muted">
        {account.images !== null && `The pairs reference ${n(account.images)} images. `}Image files stay in the store, which other projects may share. The
        audit log keeps a record of the deletion. Large projects are removed in the background.
      </p>
      <div>
        <label htmlFor={`${id}-confirm`} className="block text-sm font-medium">
          Type the project&apos;s name, <strong>{account.name}</strong>, to confirm
        </label>
        <input id={`${id}-confirm`} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off"
          className="mt-1 w-80 rounded-md border border-line bg-surface px-2 py-1" />
      </div>
      <button type="submit" disabled={busy || typed.trim() !== account.name}
        className="rounded-md bg-danger px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50">
        Delete {account.name}
      </button>
      {error ? <p role="alert" className="text-sm text-danger">{error}</p> : null}
    </form>
  );
}
