// Keyboard vocabulary of the annotate page, shared by the workbench and its panels.

/** Keys for reasons 1-12: the number row from 1 to "=". */
export const REASON_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "="];

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

/**
 * Keys of an open reject panel: the number row toggles reasons 1–12, Enter submits, Escape cancels.
 * True when the key was the panel's (a number key beyond the project's reasons is swallowed too).
 */
export function handleRejectPanelKey(
  e: KeyboardEvent,
  reasons: readonly { code: string }[],
  on: { toggle: (code: string) => void; submit: () => void; cancel: () => void },
): boolean {
  const index = REASON_KEYS.indexOf(e.key);
  if (index >= 0) {
    const reason = reasons[index];
    if (reason) {
      e.preventDefault();
      on.toggle(reason.code);
    }
    return true;
  }
  if (e.key === "Enter" || e.key === "Escape") {
    e.preventDefault();
    if (e.key === "Enter") on.submit();
    else on.cancel();
    return true;
  }
  return false;
}
