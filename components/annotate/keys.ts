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
