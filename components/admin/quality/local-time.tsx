"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/** A time in the viewer's zone: UTC on the server, local after hydration (useSyncExternalStore, so no mismatch). */
export function LocalTime({ iso, withSeconds = false }: { iso: string; withSeconds?: boolean }) {
  const inBrowser = useSyncExternalStore(noSubscription, () => true, () => false);
  const d = new Date(iso);
  const text = inBrowser
    ? d.toLocaleString(undefined, {
        year: "numeric",
        month: "short",
        day: "numeric",
        hour: "2-digit",
        minute: "2-digit",
        ...(withSeconds ? { second: "2-digit" } : {}),
      })
    : `${d.toISOString().slice(0, withSeconds ? 19 : 16).replace("T", " ")} UTC`;
  return (
    <time dateTime={iso} title={d.toISOString()}>
      {text}
    </time>
  );
}
