import { formatPercent } from "../quality/format";

// Number formats of the calibration page (server and client components).

/** A score threshold: whole scores as they are; real ones (stored as 4-byte reals) to 6 significant digits. */
export function formatThreshold(value: number, integer: boolean): string {
  return integer ? String(value) : String(Number(value.toPrecision(6)));
}

/** Precision, recall, agreement: percentages with one decimal; "—" when undefined. */
export function formatRate(fraction: number | null): string {
  return formatPercent(fraction, 1);
}

/** F1 as a number from 0 to 1, as papers quote it. */
export function formatF1(f1: number | null): string {
  return f1 === null || !Number.isFinite(f1) ? "—" : f1.toFixed(3);
}

/** A target precision typed as a percentage, without trailing zeros ("90", "92.5"). */
export function formatTarget(percent: number): string {
  return `${Number(percent.toFixed(2))}%`;
}
