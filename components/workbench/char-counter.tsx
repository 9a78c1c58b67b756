import { charsLeft } from "./pair-flow";

/** "123 / 4,000" under a text field, in red and announced past the limit; the form's submit is disabled then. */
export function CharCounter({ id, text, max }: { id: string; text: string; max: number }) {
  const left = charsLeft(text, max);
  const used = max - left;
  return (
    <p id={id} className={`text-xs tabular-nums ${left < 0 ? "font-semibold text-red-700" : "text-neutral-600"}`} aria-live={left < 0 ? "polite" : "off"}>
      {used.toLocaleString("en")} / {max.toLocaleString("en")} characters
      {left < 0 ? ` — ${(-left).toLocaleString("en")} too many; shorten it to submit` : ""}
    </p>
  );
}
