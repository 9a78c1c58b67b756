"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import { NoticeLine } from "@/components/workbench/notice-line";
import { nextPairStatus, type TNotice, type TSlot } from "@/components/workbench/pair-flow";

export function ReviewDecisionBar({ busy, next, notice, canUndo, onAccept, onReject, onEdit, onSkip, onUndo }: {
  busy: boolean;
  next: TSlot<unknown>;
  notice: TNotice | null;
  /** The reviewer's last adjudication can still be taken back (the server has the last word on the window). */
  canUndo: boolean;
  onAccept: () => void;
  onReject: () => void;
  onEdit: () => void;
  onSkip: () => void;
  onUndo: () => void;
}) {
  return (
    <div className="flex min-h-10 shrink-0 items-center gap-2" role="toolbar" aria-label="Decision">
      <ShortcutButton label="Accept" shortcut="A" onClick={onAccept} disabled={busy}
        className="bg-emerald-700 text-white hover:bg-emerald-800" />
      <ShortcutButton label="Reject" shortcut="R" onClick={onReject} disabled={busy}
        className="bg-rose-700 text-white hover:bg-rose-800" />
      <ShortcutButton label="Edit instruction" shortcut="E" disabled={busy} onClick={onEdit}
        className="bg-amber-500 text-black hover:bg-amber-600" />
      <ShortcutButton label="Skip" shortcut="S" onClick={onSkip} disabled={busy}
        className="border border-neutral-300 bg-white hover:bg-neutral-100" />
      <ShortcutButton label="Undo" shortcut="Z" onClick={onUndo} disabled={busy || !canUndo}
        className="border border-neutral-300 bg-white hover:bg-neutral-100" />
      <NoticeLine notice={notice} />
      <span className="shrink-0 text-xs text-neutral-500">{nextPairStatus(next, "Last pair in this queue")}</span>
    </div>
  );
}
