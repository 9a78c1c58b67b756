"use client";

import { useSyncExternalStore } from "react";

const noSubscription = () => () => {};
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Sends the viewer's IANA zone so the server reads datetime-local values as meant; without JS, the last one (or UTC). */
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
