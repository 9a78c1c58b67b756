// Keyboard shortcut decisions for the compare view; pure, so they can be tested.

export interface KeyLike {
  key: string;
  repeat?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** V cycles modes, D toggles the heatmap, M the mask overlay (none auto-repeated); Space holds the source, its repeat only swallowed. */
export type CompareKeyAction = "cycle-mode" | "toggle-heatmap" | "toggle-mask" | "hold-source" | "hold-repeat" | null;

export function isSpaceKey(key: string): boolean {
  return key === " " || key === "Spacebar";
}

export function hasCommandModifier(e: KeyLike): boolean {
  return Boolean(e.ctrlKey || e.metaKey || e.altKey);
}

export function compareKeyDownAction(e: KeyLike): CompareKeyAction {
  if (hasCommandModifier(e)) return null;
  if (isSpaceKey(e.key)) return e.repeat ? "hold-repeat" : "hold-source";
  if (e.key === "v" || e.key === "V") return e.repeat ? null : "cycle-mode";
  if (e.key === "d" || e.key === "D") return e.repeat ? null : "toggle-heatmap";
  if (e.key === "m" || e.key === "M") return e.repeat ? null : "toggle-mask";
  return null;
}

const TEXT_ENTRY_SELECTOR = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";

/** Elements where Space has its own meaning (activating a control). */
const SPACE_ACTIVATED_SELECTOR = [
  "button",
  "a[href]",
  "summary",
  "[role='button']",
  "[role='checkbox']",
  "[role='switch']",
  "[role='radio']",
  "[role='menuitem']",
  "[role='menuitemcheckbox']",
  "[role='menuitemradio']",
  "[role='option']",
  "[role='tab']",
  "[role='link']",
].join(", ");

function asElement(target: EventTarget | null): Element | null {
  return typeof Element !== "undefined" && target instanceof Element ? target : null;
}

export function isTextEntryTarget(target: EventTarget | null): boolean {
  const el = asElement(target);
  if (!el) return false;
  if ((el as HTMLElement).isContentEditable) return true;
  return el.closest(TEXT_ENTRY_SELECTOR) !== null;
}

/** Space holds the source everywhere but on controls outside the view that Space activates (Accept, Reject). */
export function spaceBelongsToTarget(target: EventTarget | null, root: Element | null): boolean {
  const el = asElement(target);
  if (!el) return false;
  if (root && root.contains(el)) return false;
  return el.closest(SPACE_ACTIVATED_SELECTOR) !== null;
}

export function showsSource(spaceHeld: boolean, keyboardEnabled: boolean, buttonHeld: boolean): boolean {
  return (spaceHeld && keyboardEnabled) || buttonHeld;
}
