import type { TDeliveryStatus } from "@/lib/webhooks/schemas";

export const STATUS_LABELS: Record<TDeliveryStatus, string> = {
  pending: "Waiting",
  delivering: "Sending",
  delivered: "Delivered",
  failed: "Failed",
  paused: "Held (endpoint off)",
};

export const STATUS_CLASSES: Record<TDeliveryStatus, string> = {
  pending: "bg-amber-100 text-amber-900",
  delivering: "bg-sky-100 text-sky-900",
  delivered: "bg-emerald-100 text-emerald-900",
  failed: "bg-red-100 text-red-900",
  paused: "bg-neutral-200 text-neutral-800",
};

/** "in 28 s", "in 2 min", "in 3 h", "now": when the next attempt is due, relative to `now`. */
export function dueIn(iso: string, now: number): string {
  const s = Math.round((new Date(iso).getTime() - now) / 1000);
  if (s <= 0) return "now";
  if (s < 90) return `in ${s} s`;
  if (s < 90 * 60) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} h`;
}

export function isWaiting(status: TDeliveryStatus): boolean {
  return status === "pending" || status === "delivering";
}
