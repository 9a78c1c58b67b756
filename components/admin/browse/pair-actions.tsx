"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { promotePairToGold, reopenPair, sendPairToReview } from "./api";

/** The pair page's actions; each is offered only when it applies, and the server decides again. */
export function PairActions({ projectId, pairId, canPromote, canSendToReview, canReopen }: {
  projectId: number;
  pairId: string;
  canPromote: boolean;
  canSendToReview: boolean;
  canReopen: boolean;
}) {
  const router = useRouter();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, startTransition] = useTransition();

  function run(fn: () => Promise<unknown>, done: string) {
    setMessage(null);
    startTransition(async () => {
      try {
        await fn();
        setMessage({ ok: true, text: done });
        router.refresh();
      } catch (err) {
        setMessage({ ok: false, text: (err as Error).message });
      }
    });
  }

  // After an action the refreshed page may offer none (a promoted pair is gold): the answer stays in view.
  if (!canPromote && !canSendToReview && !canReopen && !message) return null;
  return (
    <section aria-labelledby="pair-actions" className="space-y-2 rounded-lg border border-neutral-200 bg-white p-4">
      <h2 id="pair-actions" className="text-lg font-semibold">Actions</h2>
      <div className="flex flex-wrap gap-2">
        {canPromote ? (
          <button type="button" disabled={pending} onClick={() => run(() => promotePairToGold(projectId, pairId), "Promoted to gold: its final answer is now the expected one.")}
            className="rounded-md bg-amber-700 px-3 py-1.5 text-sm text-white disabled:opacity-50">
            Promote to gold
          </button>
        ) : null}
        {canSendToReview ? (
          <button type="button" disabled={pending} onClick={() => run(() => sendPairToReview(projectId, pairId), "Sent to review: a reviewer settles it again.")}
            className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm disabled:opacity-50">
            Send to review
          </button>
        ) : null}
        {canReopen ? (
          <button type="button" disabled={pending} onClick={() => run(() => reopenPair(projectId, pairId), "Reopened: it waits for one more label.")}
            className="rounded-md border border-neutral-300 px-3 py-1.5 text-sm disabled:opacity-50">
            Reopen for one more label
          </button>
        ) : null}
      </div>
      <p role="status" className={`text-sm ${message?.ok === false ? "text-red-700" : "text-green-800"}`}>{message?.text ?? ""}</p>
    </section>
  );
}
