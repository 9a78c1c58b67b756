"use client";

import { ShortcutsDialog } from "@/components/ui/shortcuts-dialog";

const KEYS: [string, string][] = [
  ["A", "Accept: the final instruction is the original; submits"],
  ["R", "Reject, then 1–9, 0, -, = to toggle reasons 1–12 and Enter to submit"],
  ["1–9", "Take candidate 1–9 into the final-instruction editor"],
  ["E", "Edit the final instruction in place (starts from the re-caption most annotators wrote)"],
  ["Ctrl+Enter", "Submit the edited instruction (an accept when it equals the original)"],
  ["N", "Write a note for this decision (Enter or Esc returns to the shortcuts)"],
  ["G", "Promote to gold on or off for this decision"],
  ["S", "Skip: hand the pair back to the queue and take the next"],
  ["Z", "Undo your last adjudication (for a few minutes after it, while nobody changed the pair)"],
  ["V", "Cycle view: side by side → slider → flicker"],
  ["D", "Change heatmap on or off (back to the previous view)"],
  ["M", "Mask overlay on or off (pairs with a mask)"],
  ["Space (hold)", "Show the source in place of the edit"],
  ["Esc", "Cancel the reject panel or the editor, close this help"],
  ["?", "Show or hide this help"],
];

export function ReviewKeyHelp({ onClose }: { onClose: () => void }) {
  return <ShortcutsDialog keys={KEYS} onClose={onClose} />;
}
