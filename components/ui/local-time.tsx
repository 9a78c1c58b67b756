"use client";

import { useSyncExternalStore } from "react";
import { formatDateTime } from "./format-date";

const noSubscription = () => () => {};

/** A time in the app's one format (format-date.ts): UTC on the server, the viewer's zone after hydration (no mismatch). */
export function LocalTime({ iso, withSeconds = false }: { iso: string; withSeconds?: boolean }) {
  const inBrowser = useSyncExternalStore(noSubscription, () => true, () => false);
  const text = inBrowser ? formatDateTime(iso, { withSeconds }) : `${formatDateTime(iso, { withSeconds, timeZone: "UTC" })} UTC`;
  return (
    <time dateTime={iso} title={new Date(iso).toISOString()}>
      {text}
    </time>
  );
}
