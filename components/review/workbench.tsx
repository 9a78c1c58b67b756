"use client";

import { ShortcutButton } from "@/components/ui/shortcut-button";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { CompareView, useCompareMode } from "@/components/compare";
import { RejectPanel } from "@/components/annotate/reject-panel";
import { buildCandidates, decisionForEdit, defaultFinalInstruction, type TCandidate } from "@/lib/review/explain";
import {
  ApiError,
  fetchReviewCounts,
  fetchReviewNext,
  imageUrl,
  postAdjudication,
  postRelease,
  postRenew,
  preloadReviewImages,
  reviewKeys,
  type TReviewDecision,
  type TReviewFilters,
  type TReviewPair,
} from "./api";
import { ReviewKeyHelp } from "./key-help";
import { candidateForKey, handleRejectPanelKey, isReviewActionKey, isTyping } from "./keys";
import { CandidateList, LabelsTable, VerifierSignals, type TReasonInfo } from "./pair-details";
import { WordDiff } from "./word-diff";

type Panel = "none" | "reject" | "help";
// undefined: still loading; null: nothing left for this reviewer under these filters
type Slot = TReviewPair | null | undefined;

/** The claim lasts 10 minutes; the pair on screen renews it well before that. */
const RENEW_EVERY_MS = 4 * 60_000;
/** A prefetched pair whose claim ends sooner than this is claimed afresh instead of shown. */
const STALE_CLAIM_MS = 30_000;

export function ReviewWorkbench({ projectId, projectName, guidelines, reasons, reason, task, subtask, canPromote }: {
  projectId: number;
  projectName: string;
  guidelines: string;
  reasons: TReasonInfo[];
  canPromote: boolean;
} & TReviewFilters) {
  const qc = useQueryClient();
  // One object per filter value, so effects keyed on it run when the filters change, not on every render.
  const filters = useMemo<TReviewFilters>(() => ({ reason, task, subtask }), [reason, task, subtask]);
  const [current, setCurrent] = useState<Slot>(undefined);
  const [next, setNext] = useState<Slot>(undefined);
  const [panel, setPanel] = useState<Panel>("none");
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [note, setNote] = useState("");
  const [promote, setPromote] = useState(false);
  const [notice, setNotice] = useState<{ kind: "info" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  // Bumped to move focus into the editor (again) after a candidate is taken or E is pressed.
  const [focusEditor, setFocusEditor] = useState(0);
  const compareMode = useCompareMode();
  const currentRef = useRef<Slot>(undefined);
  const nextRef = useRef<Slot>(undefined);
  // Pairs skipped on this page: released on the server, never asked for again here.
  const skippedRef = useRef<string[]>([]);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const noteRef = useRef<HTMLInputElement>(null);

  const counts = useQuery({ queryKey: reviewKeys.counts(projectId, filters), queryFn: () => fetchReviewCounts(projectId, filters) });

  const candidates = useMemo<TCandidate[]>(() => (current ? buildCandidates(current) : []), [current]);

  const show = useCallback((pair: Slot) => {
    currentRef.current = pair;
    setCurrent(pair);
    setPanel("none");
    setSelected([]);
    setEditing(false);
    setDraft("");
    setNote("");
    setPromote(false);
  }, []);

  const setNextSlot = useCallback((pair: Slot) => {
    nextRef.current = pair;
    setNext(pair);
    preloadReviewImages(pair);
  }, []);

  const excludeWith = useCallback((id: string | undefined) => (id ? [id, ...skippedRef.current] : [...skippedRef.current]), []);

  const prefetch = useCallback(async () => {
    const cur = currentRef.current;
    if (!cur) return;
    try {
      setNextSlot(await fetchReviewNext(projectId, filters, excludeWith(cur.id)));
    } catch (err) {
      setNextSlot(null);
      setNotice({ kind: "error", text: (err as Error).message });
    }
  }, [excludeWith, filters, projectId, setNextSlot]);

  // First pair on mount (the reviewer's own live claim comes back first), then prefetch the next.
  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const first = await fetchReviewNext(projectId, filters, []);
        if (cancelled) return;
        show(first);
        if (first) {
          preloadReviewImages(first);
          await prefetch();
        }
      } catch (err) {
        if (!cancelled) {
          show(null);
          setNotice({ kind: "error", text: (err as Error).message });
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [filters, projectId, show, prefetch]);

  // Keep the claim on the pair on screen alive while the reviewer works on it.
  const currentId = current?.id;
  useEffect(() => {
    if (!currentId) return;
    const timer = setInterval(() => {
      postRenew(currentId).catch((err: Error) => {
        setNotice({ kind: "error", text: `${err.message} Skip (S) to take the next pair.` });
      });
    }, RENEW_EVERY_MS);
    return () => clearInterval(timer);
  }, [currentId]);

  useEffect(() => {
    if (!editing) return;
    const el = editorRef.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, [editing, focusEditor]);

  const advance = useCallback(async () => {
    let upcoming = nextRef.current;
    // A prefetched pair that sat too long may have lost its claim: claim afresh rather than show it.
    if (upcoming && Date.parse(upcoming.claimExpiresAt) - Date.now() < STALE_CLAIM_MS) upcoming = undefined;
    setNextSlot(undefined);
    if (upcoming === undefined) {
      // Exclude the pair being settled: it stays claimed by us until the submit lands.
      const leaving = currentRef.current;
      show(undefined);
      show(await fetchReviewNext(projectId, filters, excludeWith(leaving?.id)));
    } else {
      show(upcoming);
    }
  }, [excludeWith, filters, projectId, setNextSlot, show]);

  const refreshCounts = useCallback(() => {
    void qc.invalidateQueries({ queryKey: reviewKeys.all });
  }, [qc]);

  const decide = useCallback(
    async (input: TReviewDecision) => {
      const pair = currentRef.current;
      if (!pair || busy) return;
      setBusy(true);
      const submissionId = crypto.randomUUID();
      const extras = { submissionId, note: note.trim() || undefined, promoteToGold: canPromote && promote,
        routedAt: pair.routedAt ?? undefined };
      // The next pair is already here: show it at once and save in the background.
      await advance();
      try {
        const shown = currentRef.current;
        const res = await postAdjudication(pair.id, { ...extras, ...input },
          shown ? { projectId, exclude: excludeWith(shown.id), ...filters } : undefined);
        const verb = res.pair.finalDecision === "accept" ? "Accepted" : res.pair.finalDecision === "reject" ? "Rejected" : "Re-captioned";
        setNotice({ kind: "info", text: `${verb}${res.pair.isGold ? " and promoted to gold" : ""}. The pair is final.` });
        if (shown && res.next !== undefined) setNextSlot(res.next);
        else await prefetch();
      } catch (err) {
        const msg = err instanceof ApiError ? err.message : "Could not reach the server.";
        setNotice({ kind: "error", text: `Your decision on the previous pair was not saved: ${msg}` });
        await prefetch();
      } finally {
        setBusy(false);
        refreshCounts();
      }
    },
    [advance, busy, canPromote, excludeWith, filters, note, prefetch, projectId, promote, refreshCounts, setNextSlot],
  );

  const skip = useCallback(async () => {
    const pair = currentRef.current;
    if (!pair || busy) return;
    setBusy(true);
    try {
      await postRelease(pair.id);
      skippedRef.current = [...skippedRef.current, pair.id].slice(-150);
      await advance();
      setNotice({ kind: "info", text: "Skipped. It went back to the queue for another reviewer." });
      await prefetch();
    } catch (err) {
      setNotice({ kind: "error", text: (err as Error).message });
    } finally {
      setBusy(false);
      refreshCounts();
    }
  }, [advance, busy, prefetch, refreshCounts]);

  const openEditor = useCallback((text: string) => {
    setPanel("none");
    setSelected([]);
    setDraft(text);
    setEditing(true);
    setFocusEditor((n) => n + 1);
  }, []);

  const closeEditor = useCallback(() => {
    setEditing(false);
    editorRef.current?.blur();
  }, []);

  const submitEdit = useCallback(() => {
    const pair = currentRef.current;
    if (!pair) return;
    const text = draft.trim();
    if (!text) {
      setNotice({ kind: "error", text: "Write the final instruction, or press A to keep the original." });
      return;
    }
    void decide(decisionForEdit(pair.instruction, text) === "accept" ? { decision: "accept" } : { decision: "recaption", instruction: text });
  }, [decide, draft]);

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

  useEffect(() => {
    function onKey(e: KeyboardEvent) {
      if (e.defaultPrevented || e.isComposing) return;
      // Ctrl+Enter submits the editor from anywhere on the page (the editor itself handles its own).
      if ((e.ctrlKey || e.metaKey) && e.key === "Enter") {
        if (editing && panel === "none") {
          e.preventDefault();
          submitEdit();
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (isTyping(e.target)) return;
      // A held key must not settle pair after pair unseen.
      if (e.repeat && isReviewActionKey(e.key)) {
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
      if (!currentRef.current) return;
      if (panel === "reject") {
        handleRejectPanelKey(e, reasons, {
          toggle: toggleReason,
          submit: submitReject,
          cancel: () => {
            setPanel("none");
            setSelected([]);
          },
        });
        return;
      }
      const k = candidateForKey(key);
      if (k !== null) {
        const c = candidates[k - 1];
        if (c) {
          e.preventDefault();
          openEditor(c.text);
        }
        return;
      }
      switch (key.toLowerCase()) {
        case "a":
          e.preventDefault();
          void decide({ decision: "accept" });
          break;
        case "r":
          e.preventDefault();
          setEditing(false);
          setPanel("reject");
          break;
        case "e":
          e.preventDefault();
          if (editing) setFocusEditor((n) => n + 1);
          else openEditor(defaultFinalInstruction(candidates));
          break;
        case "n":
          e.preventDefault();
          noteRef.current?.focus();
          break;
        case "g":
          if (canPromote) {
            e.preventDefault();
            setPromote((p) => !p);
          }
          break;
        case "s":
          e.preventDefault();
          void skip();
          break;
        case "escape":
          if (editing) {
            e.preventDefault();
            closeEditor();
          }
          break;
      }
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canPromote, candidates, closeEditor, decide, editing, openEditor, panel, reasons, skip, submitEdit, submitReject, toggleReason]);

  const c = counts.data;
  const filtered = Boolean(filters.reason || filters.task || filters.subtask);
  return (
    <div className="mx-auto flex max-w-[1600px] flex-col gap-3 p-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-lg font-semibold">Review · {projectName}</h1>
        <p className="text-sm text-neutral-600" aria-live="polite" data-testid="review-counts">
          {c ? (
            <>
              <span className="font-medium text-neutral-900">{c.inReview.toLocaleString()}</span> in review
              {filtered ? <> · <span className="font-medium text-neutral-900">{c.matching.toLocaleString()}</span> match the filters</> : null}
              {c.claimedByOthers > 0 ? <> · {c.claimedByOthers.toLocaleString()} with other reviewers now</> : null}
            </>
          ) : (
            "Loading the queue…"
          )}
        </p>
        <button type="button" onClick={() => setPanel("help")} aria-keyshortcuts="?"
          className="ml-auto rounded-md border border-neutral-300 px-2 py-1 text-sm">
          Keyboard shortcuts
        </button>
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

      {current === undefined ? (
        <p className="p-10 text-center text-neutral-600">Loading the next pair to review…</p>
      ) : current === null ? (
        <section className="rounded-lg border border-neutral-200 bg-white p-10 text-center">
          <h2 className="text-xl font-semibold">Nothing to review here</h2>
          <p className="mt-2 text-neutral-600">
            {filtered
              ? "No pair in review matches these filters, or other reviewers hold the ones that do."
              : "Every pair in review is settled or being reviewed by someone else. Check back later."}
          </p>
          <p className="mt-4 flex justify-center gap-4">
            {filtered ? <Link href={`/review/${projectId}`} className="text-indigo-700 underline">Clear the filters</Link> : null}
            <Link href="/review" className="text-indigo-700 underline">All projects in review</Link>
          </p>
        </section>
      ) : (
        <article aria-label="Pair in review" data-pair-id={current.id} className="grid gap-3 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
          <div className="flex min-w-0 flex-col gap-3">
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
              keyboardEnabled={panel !== "help"}
            />
            <LabelsTable labels={current.labels} reasons={reasons} />
            <VerifierSignals pair={current} />
          </div>

          <div className="flex min-w-0 flex-col gap-3">
            <section aria-labelledby="routing-title" className="rounded-lg border border-amber-200 bg-amber-50 p-3">
              <h2 id="routing-title" className="text-sm font-semibold text-amber-900">Why this pair is in review</h2>
              <ul className="mt-1 list-inside list-disc text-amber-950">
                {current.routing.map((r) => <li key={r.reason}>{r.text}</li>)}
              </ul>
              <div className="mt-2 flex flex-wrap gap-2 text-xs">
                {current.task ? <span className="rounded bg-indigo-50 px-2 py-0.5 text-indigo-800">task: {current.task}</span> : null}
                {current.subtask ? <span className="rounded bg-emerald-50 px-2 py-0.5 text-emerald-800">subtask: {current.subtask}</span> : null}
                <span className="rounded bg-white px-2 py-0.5 text-neutral-600">id: {current.externalId}</span>
              </div>
            </section>

            <div className="rounded-lg border border-neutral-200 bg-white p-3">
              <p className="text-xl leading-snug" data-testid="review-instruction">
                <span className="sr-only">Original instruction: </span>
                {current.instruction}
              </p>
              {current.instructionCn ? <p className="mt-1 text-neutral-600" lang="zh">{current.instructionCn}</p> : null}
            </div>

            <CandidateList candidates={candidates} disabled={busy} onUse={(cand) => openEditor(cand.text)} />

            {editing ? (
              <section aria-label="Final instruction editor" className="rounded-lg border border-amber-200 bg-amber-50 p-3">
                <label htmlFor="final-instruction" className="block font-medium text-amber-900">
                  Final instruction — Ctrl+Enter submits, Esc cancels
                </label>
                <textarea id="final-instruction" ref={editorRef} value={draft} rows={3} onChange={(e) => setDraft(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
                      e.preventDefault();
                      submitEdit();
                    } else if (e.key === "Escape") {
                      e.preventDefault();
                      closeEditor();
                    }
                  }}
                  className="mt-2 w-full rounded-md border border-amber-300 bg-white p-2 text-lg" />
                <p className="mt-1 text-sm text-amber-950">
                  <span className="font-medium">Against the original: </span>
                  <WordDiff from={current.instruction} to={draft} />
                </p>
                <p className="mt-1 text-xs text-amber-900">
                  Submits as {decisionForEdit(current.instruction, draft) === "accept" ? "an accept (same as the original)" : "a re-caption"}.
                </p>
                <div className="mt-2 flex gap-2">
                  <button type="button" onClick={submitEdit} disabled={busy} aria-keyshortcuts="Control+Enter"
                    className="rounded-md bg-amber-500 px-3 py-1.5 font-medium text-neutral-950 hover:bg-amber-600 disabled:opacity-50">
                    Submit final instruction
                  </button>
                  <button type="button" onClick={closeEditor} className="rounded-md border border-neutral-300 bg-white px-3 py-1.5">
                    Cancel
                  </button>
                </div>
              </section>
            ) : null}

            {panel === "reject" ? (
              <RejectPanel reasons={reasons} selected={selected} onToggle={toggleReason} onSubmit={submitReject}
                onCancel={() => { setPanel("none"); setSelected([]); }} />
            ) : null}

            <div className="flex flex-wrap items-center gap-4 rounded-lg border border-neutral-200 bg-white p-3">
              <label htmlFor="review-note" className="flex min-w-64 flex-1 items-center gap-2 text-sm">
                <span className="shrink-0">Note (optional)</span>
                <input id="review-note" ref={noteRef} type="text" value={note} maxLength={2000} aria-keyshortcuts="N"
                  onChange={(e) => setNote(e.target.value)}
                  onKeyDown={(e) => {
                    // Enter or Esc hands the keyboard back to the shortcuts, keeping the note.
                    if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Escape") {
                      e.preventDefault();
                      e.currentTarget.blur();
                    }
                  }}
                  className="w-full rounded-md border border-neutral-300 px-2 py-1" />
              </label>
              {canPromote ? (
                <label htmlFor="promote-gold" className="flex items-center gap-2 text-sm">
                  <input id="promote-gold" type="checkbox" checked={promote} onChange={(e) => setPromote(e.target.checked)}
                    aria-keyshortcuts="G" />
                  Promote to gold
                  <kbd aria-hidden="true" className="rounded border border-neutral-300 px-1 font-mono text-xs">G</kbd>
                </label>
              ) : null}
            </div>

            <div className="flex flex-wrap gap-2" role="toolbar" aria-label="Decision">
              <ShortcutButton label="Accept" shortcut="A" onClick={() => void decide({ decision: "accept" })} disabled={busy}
                className="bg-emerald-600 text-white hover:bg-emerald-700" />
              <ShortcutButton label="Reject" shortcut="R" onClick={() => { setEditing(false); setPanel("reject"); }} disabled={busy}
                className="bg-rose-600 text-white hover:bg-rose-700" />
              <ShortcutButton label="Edit final instruction" shortcut="E" disabled={busy}
                onClick={() => openEditor(editing ? draft : defaultFinalInstruction(candidates))}
                className="bg-amber-500 text-neutral-950 hover:bg-amber-600" />
              <ShortcutButton label="Skip" shortcut="S" onClick={() => void skip()} disabled={busy}
                className="border border-neutral-300 bg-white hover:bg-neutral-100" />
              <span className="ml-auto self-center text-xs text-neutral-500">
                {next ? "Next pair ready" : next === null ? "Last pair in this queue" : "Loading next…"}
              </span>
            </div>
          </div>
        </article>
      )}

      {panel === "help" ? <ReviewKeyHelp onClose={() => setPanel("none")} /> : null}
    </div>
  );
}
