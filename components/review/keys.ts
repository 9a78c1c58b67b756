// Keyboard vocabulary of the review workbench.

export { handleRejectPanelKey, isTyping } from "@/components/annotate/keys";

/** Keys that decide or move on: a held key must not settle pair after pair unseen. */
export function isReviewActionKey(key: string): boolean {
  return ["a", "r", "e", "s", "g", "enter"].includes(key.toLowerCase());
}

/** Candidate k (1–9) is taken into the editor with the k-th digit key. */
export function candidateForKey(key: string): number | null {
  return /^[1-9]$/.test(key) ? Number(key) : null;
}
