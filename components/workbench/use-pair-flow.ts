"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { excludeIds, imageUrl, notSavedMessage, sendWithRetry, upcomingPair, type TNotice, type TSlot } from "./pair-flow";

export interface TFlowPair {
  id: string;
  sourceImage: string;
  editedImage: string;
}

export interface TPairFlowOptions<P extends TFlowPair> {
  /** Claims the next pair, leaving out `exclude`. A new function (new project or filters) starts over. */
  claim: (exclude: string[]) => Promise<P | null>;
  /** The ids a claim leaves out beside the pair on screen (default: none). Keep it stable. */
  keptOut?: () => readonly string[];
  /** A prefetched pair this returns true for is claimed afresh instead of shown. */
  isStale?: (pair: P) => boolean;
  /** Called with each pair shown, to reset the page's per-pair state. Keep it stable. */
  onShow?: (pair: TSlot<P>) => void;
  /** Sees every error first; true when the page took it over (the flow then stops). Keep it stable. */
  intercept?: (err: unknown) => boolean;
}

export interface TSubmitJob<P, R> {
  /** Sends the decision on `pair`; `claimNext` (the ids to exclude) asks the same request for the pair after the next. */
  send: (pair: P, submissionId: string, claimNext: string[] | undefined) => Promise<R>;
  /** The decision on `pair` is stored; the page moves on right after. */
  saved: (result: R, pair: P) => void;
  settled?: () => void;
}

export interface TSkipJob<P> {
  send: (pair: P) => Promise<void>;
  /** The notice once skipped. */
  done: string;
  settled?: () => void;
}

function preloadImages(pair: TFlowPair | null | undefined): void {
  if (!pair || typeof window === "undefined") return;
  for (const sha of [pair.sourceImage, pair.editedImage]) {
    const img = new Image();
    img.decoding = "async";
    img.src = imageUrl(sha);
  }
}

const noKeptOut = (): readonly string[] => [];
const noIntercept = (): boolean => false;

/** The pair on screen and one prefetched behind it: a decision is saved, then the prefetched pair shows at once. */
export function usePairFlow<P extends TFlowPair>({
  claim,
  keptOut = noKeptOut,
  isStale,
  onShow,
  intercept = noIntercept,
}: TPairFlowOptions<P>) {
  const [current, setCurrent] = useState<TSlot<P>>(undefined);
  const [next, setNext] = useState<TSlot<P>>(undefined);
  const [notice, setNotice] = useState<TNotice | null>(null);
  const [busy, setBusy] = useState(false);
  // Refs beside the state: async steps read what is on screen now, not what their render saw.
  const currentRef = useRef<TSlot<P>>(undefined);
  const nextRef = useRef<TSlot<P>>(undefined);
  const stoppedRef = useRef(false);

  const show = useCallback((pair: TSlot<P>) => {
    currentRef.current = pair;
    setCurrent(pair);
    onShow?.(pair);
  }, [onShow]);

  const setNextSlot = useCallback((pair: TSlot<P>) => {
    nextRef.current = pair;
    setNext(pair);
    preloadImages(pair);
  }, []);

  /** True when the page took `err` over: the flow stops and clears its notice. */
  const takenOver = useCallback((err: unknown) => {
    if (!intercept(err)) return false;
    stoppedRef.current = true;
    setNotice(null);
    return true;
  }, [intercept]);

  const report = useCallback((err: unknown) => {
    if (!takenOver(err)) setNotice({ kind: "error", text: (err as Error).message });
  }, [takenOver]);

  const exclude = useCallback((id: string | undefined) => excludeIds(id, keptOut()), [keptOut]);

  const prefetch = useCallback(async () => {
    const cur = currentRef.current;
    if (!cur) return;
    try {
      setNextSlot(await claim(exclude(cur.id)));
    } catch (err) {
      setNextSlot(null);
      report(err);
    }
  }, [claim, exclude, report, setNextSlot]);

  // First pair on mount (a live claim from before a reload comes back first), then prefetch the next.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const first = await claim([]);
        if (cancelled) return;
        show(first);
        if (first) {
          preloadImages(first);
          await prefetch();
        }
      } catch (err) {
        if (!cancelled) {
          show(null);
          report(err);
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [claim, show, prefetch, report]);

  const advance = useCallback(async () => {
    const upcoming = upcomingPair(nextRef.current, isStale);
    setNextSlot(undefined);
    if (upcoming !== undefined) {
      show(upcoming);
      return;
    }
    // Nothing usable prefetched: ask directly, excluding the pair being settled (it stays ours until
    // its submit lands, so it would otherwise come straight back).
    const leaving = currentRef.current;
    show(undefined);
    try {
      show(await claim(exclude(leaving?.id)));
    } catch (err) {
      // The decision being made is still sent; the error is what the page shows.
      show(null);
      report(err);
    }
  }, [claim, exclude, isStale, report, setNextSlot, show]);

  // Saves first and moves on only once the server has the decision: a refused or lost save leaves the pair
  // on screen with everything the page holds for it (the text typed, the reasons ticked).
  const submit = useCallback(async <R extends { next?: P | null }>(job: TSubmitJob<P, R>) => {
    const pair = currentRef.current;
    if (!pair || busy) return;
    setBusy(true);
    const submissionId = crypto.randomUUID();
    const upcoming = upcomingPair(nextRef.current, isStale);
    try {
      // The same request claims the pair after the one to show next (or the next itself when none is ready).
      const claimNext = exclude(upcoming ? upcoming.id : pair.id);
      let result: R;
      try {
        result = await sendWithRetry(() => job.send(pair, submissionId, claimNext));
      } catch (err) {
        if (takenOver(err)) return;
        setNotice({ kind: "error", text: notSavedMessage(err) });
        return;
      }
      job.saved(result, pair);
      if (upcoming) {
        show(upcoming);
        if (result.next !== undefined) setNextSlot(result.next);
        else {
          setNextSlot(undefined);
          await prefetch();
        }
      } else if (result.next !== undefined) {
        setNextSlot(undefined);
        show(result.next);
        if (result.next) await prefetch();
      } else {
        await advance();
        if (currentRef.current) await prefetch();
      }
    } finally {
      setBusy(false);
      job.settled?.();
    }
  }, [advance, busy, exclude, isStale, prefetch, setNextSlot, setNotice, show, takenOver]);

  const skip = useCallback(async (job: TSkipJob<P>) => {
    const pair = currentRef.current;
    if (!pair || busy) return;
    setBusy(true);
    try {
      await job.send(pair);
      await advance();
      if (stoppedRef.current) return;
      setNotice({ kind: "info", text: job.done });
      await prefetch();
    } catch (err) {
      report(err);
    } finally {
      setBusy(false);
      job.settled?.();
    }
  }, [advance, busy, prefetch, report]);

  /** Runs `task` unless another action is under way, with the flow busy meanwhile. */
  const run = useCallback(async (task: () => Promise<void>) => {
    if (busy) return;
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  }, [busy]);

  /** Shows a pair that came back (an undo); the pair on screen becomes the next one. */
  const bringBack = useCallback((pair: P) => {
    setNextSlot(currentRef.current ?? undefined);
    show(pair);
  }, [setNextSlot, show]);

  const hasPair = useCallback(() => Boolean(currentRef.current), []);
  const currentPair = useCallback(() => currentRef.current, []);

  return { current, next, notice, setNotice, busy, submit, skip, run, bringBack, hasPair, currentPair };
}
