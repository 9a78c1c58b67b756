// Keyboard vocabulary of the review workbench.

export { REASON_KEYS } from "@/components/annotate/keys";

/** Keys that decide or move on: a held key must not settle pair after pair unseen. */
export function isReviewActionKey(key: string): boolean {
  return ["a", "r", "e", "s", "g", "enter"].includes(key.toLowerCase());
}

/** Candidate k (1–9) is taken into the editor with the k-th digit key. */
export function candidateForKey(key: string): number | null {
  return /^[1-9]$/.test(key) ? Number(key) : null;
}

const NON_TEXT_INPUTS = new Set(["checkbox", "radio", "button", "submit", "reset", "range"]);

/** True where a key press is text entry; a focused checkbox or button must not swallow shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  if (el.tagName === "INPUT") return !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
  return el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
}
