"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * Sends the viewer's IANA time zone with the audit filter form, so the server reads the
 * datetime-local "from"/"to" (which carry no zone) as the viewer meant them. Without JavaScript the
 * zone last used (or UTC) is sent, and the note says which.
 */
export function TimeZoneInput({ fallback, describedById }: { fallback: string; describedById: string }) {
  const zone = useSyncExternalStore(noSubscription, browserZone, () => fallback);
  return (
    <>
      <input type="hidden" name="tz" value={zone} />
      <p id={describedById} className="text-xs text-neutral-600">
        Times are in {zone}. &ldquo;To&rdquo; includes the whole minute.
      </p>
    </>
  );
}
