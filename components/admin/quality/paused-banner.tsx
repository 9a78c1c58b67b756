"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { liftPauseRequest } from "./request";
import { LocalTime } from "./local-time";

export interface TPausedAnnotator {
  userId: number;
  name: string;
  email: string;
  pausedAt: string;
  reason: string | null;
  byRule: boolean;
  /** Under the threshold after the minimum count with the current settings. */
  ruleApplies: boolean;
  goldChecks: number;
  goldAccuracy: number | null;
}

function ruleNow(a: TPausedAnnotator, minCount: number): string {
  if (a.ruleApplies) return `With the current settings the rule still holds: ${Math.round((a.goldAccuracy ?? 0) * 100)}% over ${a.goldChecks} gold checks.`;
  if (a.goldChecks < minCount) return `With the current settings the rule would not pause them now: ${a.goldChecks} of the ${minCount} gold checks it needs.`;
  return `With the current settings the rule would not pause them now: ${Math.round((a.goldAccuracy ?? 0) * 100)}% over ${a.goldChecks} gold checks.`;
}

/** Paused annotators with a two-step "Lift pause"; the status line stays mounted so the outcome is announced. */
export function PausedBanner({ projectId, paused, minCount, canManage }: {
  projectId: number;
  paused: TPausedAnnotator[];
  minCount: number;
  canManage: boolean;
}) {
  const router = useRouter();
  const [confirming, setConfirming] = useState<number | null>(null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const liftButtons = useRef(new Map<number, HTMLButtonElement>());
  const confirmButton = useRef<HTMLButtonElement>(null);
  const cancelled = useRef<number | null>(null);
  // The question replaces the button: focus moves onto its answer, and back to the button on cancel.
  useEffect(() => {
    if (confirming !== null) confirmButton.current?.focus();
    else if (cancelled.current !== null) liftButtons.current.get(cancelled.current)?.focus();
    cancelled.current = null;
  }, [confirming]);
  const lift = useMutation({
    mutationFn: (a: TPausedAnnotator) => liftPauseRequest(projectId, a.userId),
    onSuccess: (_r, a) => {
      setConfirming(null);
      setMessage({ kind: "ok", text: `Pause lifted for ${a.name}. They can claim pairs again; gold accuracy starts afresh.` });
      router.refresh();
    },
    onError: (err, a) => setMessage({ kind: "error", text: `Could not lift the pause for ${a.name}: ${err.message}` }),
  });

  const cancel = (userId: number) => {
    cancelled.current = userId;
    setConfirming(null);
  };

  return (
    <div className="space-y-2">
      {paused.length > 0 ? (
        <section aria-labelledby="paused-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
          <h2 id="paused-heading" className="font-semibold">
            {paused.length === 1 ? "1 annotator is paused" : `${paused.length} annotators are paused`} from this project
          </h2>
          <ul className="mt-2 space-y-3">
            {paused.map((a) => (
              <li key={a.userId} className="text-sm">
                <p>
                  <span className="font-medium">{a.name}</span> <span className="text-amber-900">({a.email})</span>, paused{" "}
                  {a.byRule ? "by the gold rule" : "by an admin"} on <LocalTime iso={a.pausedAt} />.
                </p>
                {a.reason ? <p className="mt-0.5">{a.reason}</p> : null}
                <p className="mt-0.5 text-amber-900">
                  {ruleNow(a, minCount)} A lift restarts the count: the rule applies again after {minCount} fresh gold checks.
                </p>
                {canManage ? (
                  confirming === a.userId ? (
                    <div role="group" aria-label={`Confirm lifting the pause for ${a.name}`} className="mt-2 flex flex-wrap items-center gap-2">
                      <span>Lift the pause for {a.name}?</span>
                      <button
                        type="button"
                        ref={confirmButton}
                        disabled={lift.isPending}
                        onClick={() => lift.mutate(a)}
                        onKeyDown={(e) => e.key === "Escape" && cancel(a.userId)}
                        className="rounded-md bg-amber-700 px-3 py-1 text-white disabled:opacity-60"
                      >
                        {lift.isPending ? "Lifting…" : `Yes, lift the pause for ${a.name}`}
                      </button>
                      <button
                        type="button"
                        onClick={() => cancel(a.userId)}
                        onKeyDown={(e) => e.key === "Escape" && cancel(a.userId)}
                        className="rounded-md border border-amber-700 px-3 py-1"
                      >
                        Cancel
                      </button>
                    </div>
                  ) : (
                    <button
                      type="button"
                      ref={(el) => {
                        if (el) liftButtons.current.set(a.userId, el);
                        else liftButtons.current.delete(a.userId);
                      }}
                      onClick={() => {
                        setMessage(null);
                        setConfirming(a.userId);
                      }}
                      aria-label={`Lift pause for ${a.name}`}
                      className="mt-2 rounded-md border border-amber-700 px-3 py-1"
                    >
                      Lift pause
                    </button>
                  )
                ) : null}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <p role="status" className={`text-sm ${message?.kind === "error" ? "text-red-700" : "text-emerald-700"}`}>
        {message?.text ?? null}
      </p>
    </div>
  );
}
