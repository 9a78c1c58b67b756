"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useEffect, useEffectEvent, useRef, useState } from "react";
import { CompareView, useCompareMode } from "@/components/compare";
import {
  annotateKeys,
  ApiError,
  fetchNext,
  fetchProgress,
  imageUrl,
  isPausedError,
  postLabel,
  postSkip,
  postUndo,
  preloadImages,
  type TClaimedPair,
  type TDecisionInput,
  type TProgress,
} from "./api";
import { KeyHelp } from "./key-help";
import { RejectPanel } from "./reject-panel";
import { RecaptionPanel } from "./recaption-panel";
import { handleRejectPanelKey, isActionKey, isTyping } from "./keys";

export interface TReason {
  code: string;
  label: string;
  dimension: string;
}

type Panel = "none" | "reject" | "recaption" | "help";
// undefined: still loading; null: nothing left for this annotator
type Slot = TClaimedPair | null | undefined;

export function Workbench({ projectId, projectName, guidelines, reasons }: {
  projectId: number;
  projectName: string;
  guidelines: string;
  reasons: TReason[];
}) {
  const qc = useQueryClient();
  const [current, setCurrent] = useState<Slot>(undefined);
  const [next, setNext] = useState<Slot>(undefined);
  const [panel, setPanel] = useState<Panel>("none");
  const [selected, setSelected] = useState<string[]>([]);
  const [draft, setDraft] = useState("");
  const compareMode = useCompareMode();
  const [notice, setNotice] = useState<{ kind: "info" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [canUndo, setCanUndo] = useState(false);
  // The server's reason once a claim or submit answered "paused"; the page then offers no pair.
  const [paused, setPaused] = useState<string | null>(null);
  const pausedRef = useRef(false);
  const shownAt = useRef<number>(0);
  const currentRef = useRef<Slot>(undefined);
  const nextRef = useRef<Slot>(undefined);

  const progress = useQuery({ queryKey: annotateKeys.progress(projectId), queryFn: () => fetchProgress(projectId) });
  const pairsLeft = usePairsLeft(progress.data);

  const show = useCallback((pair: Slot) => {
    currentRef.current = pair;
    setCurrent(pair);
    setPanel("none");
    setSelected([]);
    setDraft(pair?.instruction ?? "");
    shownAt.current = performance.now();
  }, []);

  /** Shows the paused panel when `err` is the pause answer; false for any other error. */
  const stopIfPaused = useCallback((err: unknown): boolean => {
    if (!isPausedError(err)) return false;
    pausedRef.current = true;
    setPaused(err.message);
    setNotice(null);
    return true;
  }, []);

  const setNextSlot = useCallback((pair: Slot) => {
    nextRef.current = pair;
    setNext(pair);
    preloadImages(pair);
  }, []);

  const prefetch = useCallback(async () => {
    const cur = currentRef.current;
    if (!cur) return;
    try {
      setNextSlot(await fetchNext(projectId, [cur.id]));
    } catch (err) {
      setNextSlot(null);
      if (!stopIfPaused(err)) setNotice({ kind: "error", text: (err as Error).message });
    }
  }, [projectId, setNextSlot, stopIfPaused]);

  // First pair on mount (a live lease from before a reload comes back first), then prefetch the next.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const first = await fetchNext(projectId, []);
        if (cancelled) return;
        show(first);
        if (first) {
          preloadImages(first);
          await prefetch();
        }
      } catch (err) {
        if (!cancelled) {
          show(null);
          if (!stopIfPaused(err)) setNotice({ kind: "error", text: (err as Error).message });
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [projectId, show, prefetch, stopIfPaused]);

  const advance = useCallback(async () => {
    const upcoming = nextRef.current;
    setNextSlot(undefined);
    if (upcoming === undefined) {
      // The prefetch has not landed yet: ask directly, excluding the pair being decided (its lease
      // is still undecided until the submit lands, so it would otherwise come straight back).
      const leaving = currentRef.current;
      show(undefined);
      try {
        show(await fetchNext(projectId, leaving ? [leaving.id] : []));
      } catch (err) {
        // The decision being made is still sent; the error (or the pause) is what the page shows.
        show(null);
        if (!stopIfPaused(err)) setNotice({ kind: "error", text: (err as Error).message });
      }
    } else {
      show(upcoming);
    }
  }, [projectId, setNextSlot, show, stopIfPaused]);

  const decide = useCallback(
    async (input: TDecisionInput) => {
      const pair = currentRef.current;
      if (!pair || busy) return;
      setBusy(true);
      const seconds = Math.round((performance.now() - shownAt.current) / 100) / 10;
      const submissionId = crypto.randomUUID();
      // The next pair is already here: show it at once and save in the background.
      await advance();
      try {
        // The same request claims the next prefetch, excluding the pair now on screen.
        const shown = currentRef.current;
        const res = await postLabel(pair.id, submissionId, input, seconds,
          shown ? { projectId, exclude: [shown.id] } : undefined);
        setCanUndo(true);
        const verb = input.decision === "accept" ? "Accepted" : input.decision === "reject" ? "Rejected" : "Re-captioned";
        setNotice({ kind: "info", text: `${verb}. Press Z to undo.` });
        if (shown && res.next !== undefined) setNextSlot(res.next);
        else await prefetch();
      } catch (err) {
        if (stopIfPaused(err)) return;
        const msg = err instanceof ApiError ? err.message : "Could not reach the server.";
        setNotice({ kind: "error", text: `Your decision on the previous pair was not saved: ${msg}` });
        await prefetch();
      } finally {
        setBusy(false);
        void qc.invalidateQueries({ queryKey: annotateKeys.progress(projectId) });
      }
    },
    [advance, busy, prefetch, projectId, qc, setNextSlot, stopIfPaused],
  );

  const skip = useCallback(async () => {
    const pair = currentRef.current;
    if (!pair || busy) return;
    setBusy(true);
    try {
      await postSkip(pair.id);
      await advance();
      if (pausedRef.current) return;
      setNotice({ kind: "info", text: "Skipped. It goes to someone else." });
      await prefetch();
    } catch (err) {
      if (!stopIfPaused(err)) setNotice({ kind: "error", text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  }, [advance, busy, prefetch, stopIfPaused]);

  const undo = useCallback(async () => {
    if (busy) return;
    setBusy(true);
    try {
      const { pair: restored } = await postUndo(projectId);
      const cur = currentRef.current;
      if (restored) {
        // The pair on screen becomes the next one; the old prefetch stays leased and comes back later.
        setNextSlot(cur ?? undefined);
        show(restored);
      }
      setCanUndo(false);
      setNotice({ kind: "info", text: "Decision undone. Decide this pair again." });
    } catch (err) {
      setCanUndo(false);
      setNotice({ kind: "error", text: (err as Error).message });
    } finally {
      setBusy(false);
      void qc.invalidateQueries({ queryKey: annotateKeys.progress(projectId) });
    }
  }, [busy, projectId, qc, setNextSlot, show]);

  const toggleReason = useCallback((code: string) => {
    setSelected((s) => (s.includes(code) ? s.filter((c) => c !== code) : [...s, code]));
  }, []);

  const submitReject = useCallback(() => {
    if (selected.length === 0) {
      setNotice({ kind: "error", text: "Pick at least one reason (number keys 1–9)." });
      return;
    }
    void decide({ decision: "reject", reasons: selected });
  }, [decide, selected]);

  const submitRecaption = useCallback(() => {
    const text = draft.trim();
    if (!text) {
      setNotice({ kind: "error", text: "Write the instruction that describes the edit." });
      return;
    }
    void decide({ decision: "recaption", recaption: text });
  }, [decide, draft]);

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      // Paused: no pair, nothing to decide or undo; the keys keep their browser meaning.
      if (pausedRef.current) return;
      if (isTyping(e.target)) return;
      // A held key must not decide pair after pair unseen.
      if (e.repeat && isActionKey(e.key)) {
        e.preventDefault();
        return;
      }
      const key = e.key;
      if (panel === "help") {
        if (key === "Escape" || key === "?") {
          e.preventDefault();
          setPanel("none");
        }
        return;
      }
      if (key === "?") {
        e.preventDefault();
        setPanel("help");
        return;
      }
      if (panel === "reject" && handleRejectPanelKey(e, reasons, {
        toggle: toggleReason,
        submit: submitReject,
        cancel: () => {
          setPanel("none");
          setSelected([]);
        },
      })) return;
      const k = key.toLowerCase();
      if (k === "z") {
        e.preventDefault();
        void undo();
        return;
      }
      if (!currentRef.current) return;
      if (k === "a" && panel === "none") {
        e.preventDefault();
        void decide({ decision: "accept" });
      } else if (k === "r" && panel === "none") {
        e.preventDefault();
        setPanel("reject");
      } else if (k === "e" && panel === "none") {
        e.preventDefault();
        setPanel("recaption");
      } else if (k === "s" && panel === "none") {
        e.preventDefault();
        void skip();
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [decide, panel, reasons, skip, submitReject, toggleReason, undo]);

  const p = progress.data;
  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-3 p-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold">{projectName}</h1>
        <p className="text-sm text-neutral-600" aria-live="polite" data-testid="progress">
          {p ? (
            <>
              <span className="font-medium text-neutral-900">{p.labelsToday.toLocaleString()}</span> done today ·{" "}
              <span className="font-medium text-neutral-900">{(pairsLeft ?? p.pairsLeft).toLocaleString()}</span> pairs left in project
            </>
          ) : (
            "Loading progress…"
          )}
        </p>
        {paused === null ? (
          <button type="button" onClick={() => setPanel("help")} className="ml-auto rounded-md border border-neutral-300 px-2 py-1 text-sm"
            aria-keyshortcuts="?">
            Keyboard shortcuts
          </button>
        ) : null}
        {guidelines ? (
          <details className="w-full text-sm">
            <summary className="cursor-pointer text-neutral-700">Guidelines</summary>
            <div className="mt-2 whitespace-pre-wrap rounded-md border border-neutral-200 bg-white p-3 text-neutral-800">{guidelines}</div>
          </details>
        ) : null}
      </div>

      <div role="status" aria-live="polite" className="min-h-6 text-sm">
        {notice ? <span className={notice.kind === "error" ? "text-red-700" : "text-neutral-700"}>{notice.text}</span> : null}
      </div>

      {paused !== null ? (
        <PausedPanel message={paused} />
      ) : current === undefined ? (
        <p className="p-10 text-center text-neutral-600">Loading the next pair…</p>
      ) : current === null ? (
        <section className="rounded-lg border border-neutral-200 bg-white p-10 text-center">
          <h2 className="text-xl font-semibold">Nothing left for you in this project</h2>
          <p className="mt-2 text-neutral-600">Every open pair is decided or being worked on by someone else. Check back later.</p>
          <div className="mt-4 flex justify-center gap-3">
            <button type="button" onClick={() => void undo()} disabled={!canUndo || busy}
              className="rounded-md border border-neutral-300 px-3 py-2 disabled:opacity-50" aria-keyshortcuts="Z">
              Undo
            </button>
          </div>
        </section>
      ) : (
        <article aria-label="Edit pair" data-pair-id={current.id} className="flex flex-col gap-3">
          <div className="rounded-lg border border-neutral-200 bg-white p-4">
            <div className="flex flex-wrap gap-2 text-xs">
              {current.task ? <span className="rounded bg-indigo-50 px-2 py-0.5 text-indigo-800">task: {current.task}</span> : null}
              {current.subtask ? <span className="rounded bg-emerald-50 px-2 py-0.5 text-emerald-800">subtask: {current.subtask}</span> : null}
            </div>
            <p className="mt-2 text-xl leading-snug" data-testid="instruction">
              <span className="sr-only">Instruction: </span>
              {current.instruction}
            </p>
            {current.instructionCn ? <p className="mt-1 text-neutral-600" lang="zh">{current.instructionCn}</p> : null}
          </div>

          {panel === "reject" ? (
            <RejectPanel reasons={reasons} selected={selected} onToggle={toggleReason} onSubmit={submitReject}
              onCancel={() => { setPanel("none"); setSelected([]); }} />
          ) : null}
          {panel === "recaption" ? (
            <RecaptionPanel original={current.instruction} value={draft} onChange={setDraft} onSubmit={submitRecaption}
              onCancel={() => setPanel("none")} />
          ) : null}

          <CompareView
            key={current.id}
            sourceSrc={imageUrl(current.sourceImage)}
            editedSrc={imageUrl(current.editedImage)}
            mode={compareMode.mode}
            returnMode={compareMode.returnMode}
            onModeChange={compareMode.setMode}
            heatmap={current.heatmapImage ? {
              src: imageUrl(current.heatmapImage),
              changedFraction: current.changedFraction,
              ssim: current.ssim,
              changeOutsideMask: current.changeOutsideMask,
            } : null}
            keyboardEnabled={panel === "none" || panel === "reject"}
          />


          <div className="flex flex-wrap gap-2" role="toolbar" aria-label="Decision">
            <ShortcutButton label="Accept" shortcut="A" onClick={() => void decide({ decision: "accept" })} disabled={busy}
              className="bg-emerald-600 text-white hover:bg-emerald-700" />
            <ShortcutButton label="Reject" shortcut="R" onClick={() => setPanel("reject")} disabled={busy}
              className="bg-rose-600 text-white hover:bg-rose-700" />
            <ShortcutButton label="Re-caption" shortcut="E" onClick={() => setPanel("recaption")} disabled={busy}
              className="bg-amber-500 text-neutral-950 hover:bg-amber-600" />
            <ShortcutButton label="Skip" shortcut="S" onClick={() => void skip()} disabled={busy}
              className="border border-neutral-300 bg-white hover:bg-neutral-100" />
            <ShortcutButton label="Undo" shortcut="Z" onClick={() => void undo()} disabled={busy || !canUndo}
              className="border border-neutral-300 bg-white hover:bg-neutral-100" />
            <span className="ml-auto self-center text-xs text-neutral-500">
              {next ? "Next pair ready" : next === null ? "Last pair" : "Loading next…"}
            </span>
          </div>
        </article>
      )}

      {panel === "help" && paused === null ? <KeyHelp onClose={() => setPanel("none")} /> : null}
    </div>
  );
}

const PAUSED_HEADING = "You are paused from this project";

/** In place of the pair and the decision keys while the annotator is paused from the project. */
function PausedPanel({ message }: { message: string }) {
  // The server's message opens with the heading's own sentence; shown once is enough.
  const reason = message.startsWith(`${PAUSED_HEADING}.`) ? message.slice(PAUSED_HEADING.length + 1).trim() : message;
  return (
    <section role="alert" aria-labelledby="paused-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-8">
      <h2 id="paused-heading" className="text-xl font-semibold text-amber-950">{PAUSED_HEADING}</h2>
      <p className="mt-2 text-neutral-800">{reason}</p>
      <p className="mt-4 font-medium text-neutral-900">Ask an admin to lift the pause.</p>
      <p className="mt-1 text-sm text-neutral-700">
        The decisions you made are kept. Until the pause is lifted this project gives you no pairs; your other projects are
        not affected. Meanwhile, re-read the guidelines above: the quality-check pairs are judged by them.
      </p>
      <Link href="/" className="mt-4 inline-block rounded-md border border-neutral-300 bg-white px-3 py-2 text-sm hover:bg-neutral-100">
        Back to projects
      </Link>
    </section>
  );
}

const PAIRS_LEFT_REFRESH_MS = 60_000;

/**
 * "Pairs left in project" as shown. Without gold it follows every progress answer. With gold mixed
 * in it moves once a minute: after a gold decision the project's open count does not change, so a
 * counter updated per decision would tell the annotator which pairs were gold.
 */
function usePairsLeft(p: TProgress | undefined): number | null {
  const [shown, setShown] = useState<number | null>(null);
  const goldMixed = p?.goldMixed === true;
  // The first answer is shown at once (state adjusted during render, React's pattern for it).
  if (goldMixed && shown === null && p) setShown(p.pairsLeft);
  const freeze = useEffectEvent(() => setShown(p?.pairsLeft ?? null));
  useEffect(() => {
    if (!goldMixed) return;
    const timer = setInterval(freeze, PAIRS_LEFT_REFRESH_MS);
    return () => clearInterval(timer);
  }, [goldMixed]);
  return goldMixed ? shown : (p?.pairsLeft ?? null);
}
