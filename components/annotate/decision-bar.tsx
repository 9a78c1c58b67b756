"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import { nextPairStatus, type TSlot } from "@/components/workbench/pair-flow";
import type { TDecisionInput } from "./api";

export function DecisionBar({ busy, canUndo, next, onDecide, onPanel, onSkip, onUndo }: {
  busy: boolean;
  canUndo: boolean;
  next: TSlot<unknown>;
  onDecide: (input: TDecisionInput) => void;
  onPanel: (panel: "reject" | "recaption") => void;
  onSkip: () => void;
  onUndo: () => void;
}) {
  return (
    <div className="flex flex-wrap gap-2" role="toolbar" aria-label="Decision">
      <ShortcutButton label="Accept" shortcut="A" onClick={() => void onDecide({ decision: "accept" })} disabled={busy}
        className="bg-emerald-700 text-white hover:bg-emerald-800" />
      <ShortcutButton label="Reject" shortcut="R" onClick={() => onPanel("reject")} disabled={busy}
        className="bg-rose-700 text-white hover:bg-rose-800" />
      <ShortcutButton label="Re-caption" shortcut="E" onClick={() => onPanel("recaption")} disabled={busy}
        className="bg-amber-500 text-black hover:bg-amber-600" />
      <ShortcutButton label="Skip" shortcut="S" onClick={() => void onSkip()} disabled={busy}
        className="border border-neutral-300 bg-white hover:bg-neutral-100" />
      <ShortcutButton label="Undo" shortcut="Z" onClick={() => void onUndo()} disabled={busy || !canUndo}
        className="border border-neutral-300 bg-white hover:bg-neutral-100" />
      <span className="ml-auto self-center text-xs text-neutral-500">{nextPairStatus(next, "Last pair")}</span>
    </div>
  );
}
