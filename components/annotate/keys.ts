// Keyboard vocabulary of the annotate page, shared by the workbench and its panels.

/** Keys for reasons 1-12: the number row from 1 to "=". */
export const REASON_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "="];

export function isActionKey(key: string): boolean {
  return ["a", "r", "e", "s", "z", "enter"].includes(key.toLowerCase());
}
