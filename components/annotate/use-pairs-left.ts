"use client";

import { useEffect, useEffectEvent, useState } from "react";
import type { TProgress } from "./api";

const PAIRS_LEFT_REFRESH_MS = 60_000;

/** "Left for you" as shown: with gold mixed in it moves once a minute, or an unchanged count would give gold away. */
export function usePairsLeft(p: TProgress | undefined): number | null {
  const [shown, setShown] = useState<number | null>(null);
  const goldMixed = p?.goldMixed === true;
  // The first answer is shown at once (state adjusted during render, React's pattern for it).
  if (goldMixed && shown === null && p) setShown(p.leftForYou);
  const freeze = useEffectEvent(() => setShown(p?.leftForYou ?? null));
  useEffect(() => {
    if (!goldMixed) return;
    const timer = setInterval(freeze, PAIRS_LEFT_REFRESH_MS);
    return () => clearInterval(timer);
  }, [goldMixed]);
  return goldMixed ? shown : (p?.leftForYou ?? null);
}
