"use client";

import { useEffect } from "react";
import type { TNotice } from "@/components/workbench/pair-flow";
import { postRenew } from "./api";

/** Well within a claim's lifetime (REVIEW_CLAIM_MINUTES, lib/review/sql.ts). */
const RENEW_EVERY_MS = 4 * 60_000;

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
