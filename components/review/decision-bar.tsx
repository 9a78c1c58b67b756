"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import { nextPairStatus, type TSlot } from "@/components/workbench/pair-flow";

export function ReviewDecisionBar({ busy, next, onAccept, onReject, onEdit, onSkip }: {
  busy: boolean;
  next: TSlot<unknown>;
  onAccept: () => void;
  onReject: () => void;
  onEdit: () => void;
  onSkip: () => void;
}) {
  return (
    <div className="flex flex-wrap gap-2" role="toolbar" aria-label="Decision">
      <ShortcutButton label="Accept" shortcut="A" onClick={onAccept} disabled={busy}
        className="bg-emerald-700 text-white hover:bg-emerald-800" />
      <ShortcutButton label="Reject" shortcut="R" onClick={onReject} disabled={busy}
        className="bg-rose-700 text-white hover:bg-rose-800" />
      <ShortcutButton label="Edit final instruction" shortcut="E" disabled={busy} onClick={onEdit}
        className="bg-amber-500 text-black hover:bg-amber-600" />
      <ShortcutButton label="Skip" shortcut="S" onClick={onSkip} disabled={busy}
        className="border border-neutral-300 bg-white hover:bg-neutral-100" />
      <span className="ml-auto self-center text-xs text-neutral-500">{nextPairStatus(next, "Last pair in this queue")}</span>
    </div>
  );
}
