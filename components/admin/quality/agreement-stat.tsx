import type { TUndefinedReason } from "@/lib/quality/agreement";
import { UNDEFINED_REASON_TEXT } from "@/lib/quality/figures-types";

// Number formats shared by the agreement page's server and client components (no hooks).

/** κ / α to three decimals, with a true minus sign so negative values do not read as a dash. */
export function formatCoefficient(value: number): string {
  return value.toFixed(3).replace(/^-/, "\u2212");
}

export function formatPercent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

/** Krippendorff's reading of α (2004, "Content Analysis", §11.4): reliable from 0.800, tentative from 0.667. */
export function alphaVerdict(alpha: number): { text: string; tone: "good" | "fair" | "poor" } {
  if (alpha >= 0.8) return { text: "reliable (α ≥ 0.800)", tone: "good" };
  if (alpha >= 0.667) return { text: "tentative (0.667 ≤ α < 0.800)", tone: "fair" };
  return { text: "too low to rely on (α < 0.667)", tone: "poor" };
}

export const TONE_CLASSES = {
  good: "bg-emerald-50 text-emerald-900",
  fair: "bg-amber-50 text-amber-900",
  poor: "bg-red-50 text-red-900",
} as const;

export function StatValue({
  value,
  reason,
  format = formatCoefficient,
}: {
  value: number | null;
  reason: TUndefinedReason | null;
  format?: (v: number) => string;
}) {
  if (value !== null) return <span className="whitespace-nowrap tabular-nums">{format(value)}</span>;
  return (
    <span className="whitespace-nowrap text-neutral-500">
      n/a <span className="text-xs">({UNDEFINED_REASON_TEXT[reason ?? "no-data"]})</span>
    </span>
  );
}
