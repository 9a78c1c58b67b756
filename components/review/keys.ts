// The review workbench's keys. Pure: use-review-keys.ts carries them out.
import { rejectPanelKeyAction, type TKeyPress, type TRejectPanelAction } from "@/components/annotate/keys";

export { isTyping } from "@/components/annotate/keys";

/** Keys that decide or move on: a held key must not settle pair after pair unseen. */
export function isReviewActionKey(key: string): boolean {
  return ["a", "r", "e", "s", "g", "z", "enter"].includes(key.toLowerCase());
}

/** Candidate k (1–9) is taken into the editor with the k-th digit key. */
export function candidateForKey(key: string): number | null {
  return /^[1-9]$/.test(key) ? Number(key) : null;
}

export type TReviewPanel = "none" | "reject" | "help";

export type TReviewKeyAction =
  | TRejectPanelAction
  | { type: "take-candidate"; index: number }
  | {
      type:
        | "submit-edit"
        | "swallow"
        | "open-help"
        | "close-help"
        | "accept"
        | "open-reject"
        | "open-editor"
        | "focus-editor"
        | "focus-note"
        | "toggle-promote"
        | "skip"
        | "undo"
        | "close-editor";
    };

export interface TReviewKeyState {
  panel: TReviewPanel;
  editing: boolean;
  typing: boolean;
  hasPair: boolean;
  candidates: number;
  canPromote: boolean;
  reasons: readonly { code: string }[];
}

/** What a key press does on the review page; null leaves it to the browser (no preventDefault). */
export function reviewKeyAction(
  e: TKeyPress & { defaultPrevented?: boolean; isComposing?: boolean },
  s: TReviewKeyState,
): TReviewKeyAction | null {
  if (e.defaultPrevented || e.isComposing) return null;
  // Ctrl+Enter submits the editor from anywhere on the page (the editor itself handles its own).
  if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
    return s.editing && s.panel === "none" ? { type: "submit-edit" } : null;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (s.typing) return null;
  if (e.repeat && isReviewActionKey(e.key)) return { type: "swallow" };
  const key = e.key;
  if (s.panel === "help") return key === "Escape" || key === "?" ? { type: "close-help" } : null;
  if (key === "?") return { type: "open-help" };
  // Undo works with no pair on screen too: the last pair of the queue comes back.
  if (key.toLowerCase() === "z" && s.panel === "none") return { type: "undo" };
  if (!s.hasPair) return null;
  // The open reject panel takes every key, its own or none.
  if (s.panel === "reject") return rejectPanelKeyAction(key, s.reasons) ?? null;
  const k = candidateForKey(key);
  if (k !== null) return k <= s.candidates ? { type: "take-candidate", index: k - 1 } : null;
  switch (key.toLowerCase()) {
    case "a":
      return { type: "accept" };
    case "r":
      return { type: "open-reject" };
    case "e":
      return { type: s.editing ? "focus-editor" : "open-editor" };
    case "n":
      return { type: "focus-note" };
    case "g":
      return s.canPromote ? { type: "toggle-promote" } : null;
    case "s":
      return { type: "skip" };
    case "escape":
      return s.editing ? { type: "close-editor" } : null;
    default:
      return null;
  }
}
