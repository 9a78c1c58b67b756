export function formatPercent(fraction: number | null | undefined, digits = 0): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return "—";
  return `${(fraction * 100).toFixed(digits)}%`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return "—";
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  return `${(s / 60).toFixed(1)} min`;
}

export function formatRate(perHour: number | null | undefined): string {
  if (perHour === null || perHour === undefined || !Number.isFinite(perHour)) return "—";
  return perHour < 10 ? perHour.toFixed(1) : String(Math.round(perHour));
}

export const REASON_LABELS: Record<string, string> = {
  decision: "Annotators disagree on the decision",
  recaption: "Re-captions differ beyond the threshold",
  verifier: "Consensus contradicts the verifier",
};
