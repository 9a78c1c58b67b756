"use client";

import { useEffect } from "react";
import type { TNotice } from "@/components/workbench/pair-flow";
import { postRenew } from "./api";

/** The claim lasts 10 minutes; the pair on screen renews it well before that. */
const RENEW_EVERY_MS = 4 * 60_000;

/** Keeps the claim on the pair on screen alive while the reviewer works on it. */
export function useClaimRenewal(pairId: string | undefined, setNotice: (notice: TNotice) => void): void {
  useEffect(() => {
    if (!pairId) return;
    const timer = setInterval(() => {
      postRenew(pairId).catch((err: Error) => {
        setNotice({ kind: "error", text: `${err.message} Skip (S) to take the next pair.` });
      });
    }, RENEW_EVERY_MS);
    return () => clearInterval(timer);
  }, [pairId, setNotice]);
}
