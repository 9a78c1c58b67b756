"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import { NoticeLine } from "@/components/workbench/notice-line";
import { nextPairStatus, type TNotice, type TSlot } from "@/components/workbench/pair-flow";
import type { TDecisionInput } from "./api";

export function DecisionBar({ busy, canUndo, next, notice, historyOpen, historyCount, onDecide, onPanel, onSkip, onUndo, onHistory }: {
  busy: boolean;
  canUndo: boolean;
  next: TSlot<unknown>;
  notice: TNotice | null;
  historyOpen: boolean;
  historyCount: number;
  onDecide: (input: TDecisionInput) => void;
  onPanel: (panel: "reject" | "recaption") => void;
  onSkip: () => void;
  onUndo: () => void;
  onHistory: () => void;
}) {
  return (
    <div className="flex min-h-10 shrink-0 items-center gap-2" role="toolbar" aria-label="Decision">
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
      <button type="button" aria-expanded={historyOpen} onClick={onHistory}
        className="shrink-0 rounded-md border border-neutral-300 bg-white px-3 py-2 text-sm hover:bg-neutral-100">
        Recent decisions ({historyCount})
      </button>
      <NoticeLine notice={notice} />
      <span className="shrink-0 text-xs text-neutral-500">{nextPairStatus(next, "Last pair")}</span>
    </div>
  );
}
