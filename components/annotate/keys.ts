// The annotate page's keys, shared by the workbench and its panels. Pure: use-annotate-keys.ts only acts on them.

/** Keys for reasons 1-12: the number row from 1 to "=". */
export const REASON_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "="];

export interface TKeyPress {
  key: string;
  repeat?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export function isActionKey(key: string): boolean {
  return ["a", "r", "e", "s", "z", "enter"].includes(key.toLowerCase());
}

const NON_TEXT_INPUTS = new Set(["checkbox", "radio", "button", "submit", "reset", "range"]);

/** True where a key press is text entry; a focused checkbox or button must not swallow shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.tagName === "INPUT") return !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
  return el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
}

export type TRejectPanelAction = { type: "toggle-reason"; code: string } | { type: "submit-reject" } | { type: "cancel-reject" };

/** Keys of an open reject panel; `undefined`: not the panel's key, null: the panel's, doing nothing. */
export function rejectPanelKeyAction(key: string, reasons: readonly { code: string }[]): TRejectPanelAction | null | undefined {
  const index = REASON_KEYS.indexOf(key);
  if (index >= 0) {
    const reason = reasons[index];
    return reason ? { type: "toggle-reason", code: reason.code } : null;
  }
  if (key === "Enter") return { type: "submit-reject" };
  if (key === "Escape") return { type: "cancel-reject" };
  return undefined;
}

export type TAnnotatePanel = "none" | "reject" | "recaption" | "help";

export type TAnnotateKeyAction =
  | TRejectPanelAction
  | { type: "swallow" | "open-help" | "close-help" | "undo" | "accept" | "open-reject" | "open-recaption" | "skip" };

export interface TAnnotateKeyState {
  panel: TAnnotatePanel;
  /** Paused from the project: no pair, so the keys keep their browser meaning. */
  paused: boolean;
  typing: boolean;
  hasPair: boolean;
  reasons: readonly { code: string }[];
}

/** What a key press does on the annotate page; null leaves it to the browser (no preventDefault). */
export function annotateKeyAction(e: TKeyPress, s: TAnnotateKeyState): TAnnotateKeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (s.paused || s.typing) return null;
  // A held key must not decide pair after pair unseen.
  if (e.repeat && isActionKey(e.key)) return { type: "swallow" };
  const key = e.key;
  if (s.panel === "help") return key === "Escape" || key === "?" ? { type: "close-help" } : null;
  if (key === "?") return { type: "open-help" };
  if (s.panel === "reject") {
    const action = rejectPanelKeyAction(key, s.reasons);
    if (action !== undefined) return action;
  }
  const k = key.toLowerCase();
  if (k === "z") return { type: "undo" };
  if (!s.hasPair || s.panel !== "none") return null;
  if (k === "a") return { type: "accept" };
  if (k === "r") return { type: "open-reject" };
  if (k === "e") return { type: "open-recaption" };
  if (k === "s") return { type: "skip" };
  return null;
}
