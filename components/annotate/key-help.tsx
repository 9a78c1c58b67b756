"use client";

import { ShortcutsDialog } from "@/components/ui/shortcuts-dialog";

const KEYS: [string, string][] = [
  ["A", "Accept"],
  ["R", "Reject, then 1–9, 0, -, = to toggle reasons 1–12 and Enter to submit"],
  ["E", "Re-caption: edit the instruction, Ctrl+Enter to submit"],
  ["S", "Skip this pair"],
  ["Z", "Undo your last decision (while the pair is still leased to you)"],
  ["V", "Cycle view: side by side → slider → flicker"],
  ["D", "Change heatmap on or off (back to the previous view)"],
  ["M", "Mask overlay on or off (pairs with a mask)"],
  ["Space (hold)", "Show the source in place of the edit"],
  ["Wheel / drag", "Zoom and pan both images together; double-click resets"],
  ["Esc", "Cancel reject or re-caption, close this help"],
  ["?", "Show or hide this help"],
];

export function KeyHelp({ onClose }: { onClose: () => void }) {
  return <ShortcutsDialog keys={KEYS} onClose={onClose} />;
}
