import { formatPercent } from "../quality/format";

/** A score threshold: whole scores as they are; real ones (stored as 4-byte reals) to 6 significant digits. */
export function formatThreshold(value: number, integer: boolean): string {
  return integer ? String(value) : String(Number(value.toPrecision(6)));
}

export function formatRate(fraction: number | null): string {
  return formatPercent(fraction, 1);
}

export function formatF1(f1: number | null): string {
  return f1 === null || !Number.isFinite(f1) ? "—" : f1.toFixed(3);
}

export function formatTarget(percent: number): string {
  return `${Number(percent.toFixed(2))}%`;
}
