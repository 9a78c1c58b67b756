// The one date format of the app (issue 16 point 6): "6 Dec 2026, 15:04" (24-hour clock, month in words so
// no one reads 06/12 the wrong way round), in the viewer's zone or the one given.

export function formatDateTime(value: Date | string, opts: { withSeconds?: boolean; timeZone?: string } = {}): string {
  const d = typeof value === "string" ? new Date(value) : value;
  return new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    ...(opts.withSeconds ? { second: "2-digit" } : {}),
    ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
  }).format(d);
}

/** A day without the time: "6 Dec 2026". */
export function formatDate(value: Date | string, opts: { timeZone?: string } = {}): string {
  const d = typeof value === "string" ? new Date(value) : value;
  return new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) }).format(d);
}
