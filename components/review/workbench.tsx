"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { RejectPanel } from "@/components/annotate/reject-panel";
import { useCompareMode } from "@/components/compare";
import { GuidelinesPanel } from "@/components/workbench/guidelines-panel";
import { NoticeLine } from "@/components/workbench/notice-line";
import { PairCompare, PairContext } from "@/components/workbench/pair-compare";
import { charsLeft, decisionVerb, endsWithin, reasonText, rememberSkipped } from "@/components/workbench/pair-flow";
import { usePairFlow } from "@/components/workbench/use-pair-flow";
import { useWindowKeys } from "@/components/workbench/use-window-keys";
import { WorkbenchFrame } from "@/components/workbench/workbench-frame";
import { WorkbenchHeader } from "@/components/workbench/workbench-header";
import { FINAL_INSTRUCTION_MAX_CHARS, REVIEW_UNDO_MINUTES } from "@/lib/review/types";
import { buildCandidates, decisionForEdit, defaultFinalInstruction, type TCandidate } from "@/lib/review/explain";
import {
  fetchReviewCounts,
  fetchReviewNext,
  postAdjudication,
  postRelease,
  postUndoAdjudication,
  reviewKeys,
  type TReviewDecision,
  type TReviewFilters,
  type TReviewPair,
} from "./api";
import { ReviewDecisionBar } from "./decision-bar";
import { FinalInstructionEditor } from "./final-instruction-editor";
import { ReviewKeyHelp } from "./key-help";
import { isTyping, reviewKeyAction, type TReviewKeyAction, type TReviewPanel } from "./keys";
import { NoteBar } from "./note-bar";
import { NothingToReview } from "./nothing-to-review";
import { CandidateList, LabelList, VerifierSignals, type TReasonInfo } from "./pair-details";
import { OriginalInstruction, RoutingReasons } from "./pair-summary";
import { useClaimRenewal } from "./use-claim-renewal";

/** A prefetched pair whose claim ends sooner than this is claimed afresh instead of shown. */
const STALE_CLAIM_MS = 30_000;
const claimEndsSoon = (pair: TReviewPair) => endsWithin(pair.claimExpiresAt, Date.now(), STALE_CLAIM_MS);

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
  const [panel, setPanel] = useState<TReviewPanel>("none");
  const [selected, setSelected] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  const [note, setNote] = useState("");
  const [promote, setPromote] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  // The reviewer's last adjudication on this page, which Z takes back within the server's window.
  const [lastDecision, setLastDecision] = useState<{ pairId: string; submissionId: string; until: number } | null>(null);
  // Bumped to move focus into the editor (again) after a candidate is taken or E is pressed.
  const [focusEditor, setFocusEditor] = useState(0);
  const compareMode = useCompareMode();
  // Pairs skipped on this page: released on the server, never asked for again here.
  const skippedRef = useRef<string[]>([]);
  const editorRef = useRef<HTMLTextAreaElement>(null);
  const noteRef = useRef<HTMLInputElement>(null);

  const counts = useQuery({ queryKey: reviewKeys.counts(projectId, filters), queryFn: () => fetchReviewCounts(projectId, filters) });
  const refreshCounts = useCallback(() => {
    void qc.invalidateQueries({ queryKey: reviewKeys.all });
  }, [qc]);

  const claim = useCallback((exclude: string[]) => fetchReviewNext(projectId, filters, exclude), [filters, projectId]);
  const keptOut = useCallback(() => skippedRef.current, []);
  const onShow = useCallback(() => {
    setPanel("none");
    setSelected([]);
    setEditing(false);
    setDraft("");
    setNote("");
    setPromote(false);
  }, []);
  const flow = usePairFlow({ claim, keptOut, isStale: claimEndsSoon, onShow });
  const { current, notice, setNotice, busy, submit, skip: skipPair, run, bringBack, hasPair, currentPair } = flow;
  const candidates = useMemo<TCandidate[]>(() => (current ? buildCandidates(current) : []), [current]);
  useClaimRenewal(current?.id, setNotice);

  const decide = useCallback((input: TReviewDecision) => {
    // One id per decision, kept beside the pair so the undo can name exactly this adjudication.
    let sent = "";
    return submit({
      send: (pair, submissionId, claimNext) => {
        sent = submissionId;
        return postAdjudication(pair.id,
          { submissionId, note: note.trim() || undefined, promoteToGold: canPromote && promote, routedAt: pair.routedAt ?? undefined, ...input },
          claimNext ? { projectId, exclude: claimNext, ...filters } : undefined);
      },
      saved: (res, pair) => {
        setLastDecision(res.pair.isGold ? null : { pairId: pair.id, submissionId: sent, until: Date.parse(res.pair.reviewedAt) + REVIEW_UNDO_MINUTES * 60_000 });
        setNotice({ kind: "info",
          text: `${decisionVerb(res.pair.finalDecision)}${res.pair.isGold ? " and promoted to gold" : ""}. The pair is final.${res.pair.isGold ? "" : " Press Z to undo."}` });
      },
      settled: refreshCounts,
    });
  }, [canPromote, filters, note, projectId, promote, refreshCounts, setNotice, submit]);

  // The button goes when the window closes (the server's own clock decides an undo sent at the edge).
  useEffect(() => {
    if (!lastDecision) return;
    const timer = setTimeout(() => setLastDecision(null), Math.max(0, lastDecision.until - Date.now()));
    return () => clearTimeout(timer);
  }, [lastDecision]);

  const undo = useCallback(() => run(async () => {
    if (!lastDecision) return;
    try {
      const { pair } = await postUndoAdjudication(lastDecision.pairId, lastDecision.submissionId);
      bringBack(pair);
      setNotice({ kind: "info", text: "Adjudication undone: the pair is back in review with you. Decide it again." });
    } catch (err) {
      setNotice({ kind: "error", text: reasonText(err) });
    } finally {
      setLastDecision(null);
      refreshCounts();
    }
  }), [bringBack, lastDecision, refreshCounts, run, setNotice]);

  const skip = useCallback(() => skipPair({
    send: async (pair) => {
      await postRelease(pair.id);
      skippedRef.current = rememberSkipped(skippedRef.current, pair.id);
    },
    done: "Skipped. It went back to the queue for another reviewer.",
    settled: refreshCounts,
  }), [refreshCounts, skipPair]);

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
    const pair = currentPair();
    if (!pair) return;
    const text = draft.trim();
    if (!text) {
      setNotice({ kind: "error", text: "Write the final instruction, or press A to keep the original." });
      return;
    }
    if (charsLeft(text, FINAL_INSTRUCTION_MAX_CHARS) < 0) {
      setNotice({ kind: "error", text: `Shorten the final instruction to ${FINAL_INSTRUCTION_MAX_CHARS.toLocaleString("en")} characters to submit it.` });
      return;
    }
    void decide(decisionForEdit(pair.instruction, text) === "accept" ? { decision: "accept" } : { decision: "recaption", instruction: text });
  }, [currentPair, decide, draft, setNotice]);

  const toggleReason = useCallback((code: string) => {
    setSelected((s) => (s.includes(code) ? s.filter((c) => c !== code) : [...s, code]));
  }, []);
  const openReject = () => {
    setEditing(false);
    setPanel("reject");
  };
  const cancelReject = () => {
    setPanel("none");
    setSelected([]);
  };

  const submitReject = useCallback(() => {
    if (selected.length === 0) {
      setNotice({ kind: "error", text: "Pick at least one reason (number keys 1–9)." });
      return;
    }
    void decide({ decision: "reject", reasons: selected });
  }, [decide, selected, setNotice]);

  const onKeyAction = (action: TReviewKeyAction) => {
    switch (action.type) {
      case "submit-edit":
        return submitEdit();
      case "open-help":
        return setPanel("help");
      case "close-help":
        return setPanel("none");
      case "toggle-reason":
        return toggleReason(action.code);
      case "submit-reject":
        return submitReject();
      case "cancel-reject":
        return cancelReject();
      case "take-candidate": {
        const c = candidates[action.index];
        return c ? openEditor(c.text) : undefined;
      }
      case "accept":
        return void decide({ decision: "accept" });
      case "open-reject":
        return openReject();
      case "open-editor":
        return openEditor(defaultFinalInstruction(candidates));
      case "focus-editor":
        return setFocusEditor((n) => n + 1);
      case "focus-note":
        return noteRef.current?.focus();
      case "toggle-promote":
        return setPromote((p) => !p);
      case "skip":
        return void skip();
      case "close-editor":
        return closeEditor();
      case "undo":
        return void undo();
    }
  };
  useWindowKeys((e) => reviewKeyAction(e, {
    panel, editing, typing: isTyping(e.target), hasPair: hasPair(), candidates: candidates.length, canPromote, reasons,
  }), onKeyAction);

  const c = counts.data;
  const filtered = Boolean(filters.reason || filters.task || filters.subtask);
  // The window as the page knows it; the server refuses after its own, whatever this says.
  const canUndo = lastDecision !== null;
  const header = (
    <WorkbenchHeader title={`Review · ${projectName}`} figuresTestId="review-counts" guidelines={guidelines}
      guidelinesOpen={guidelinesOpen} onGuidelines={() => setGuidelinesOpen((o) => !o)}
      onShortcuts={() => setPanel("help")}
      figures={c ? (
        <>
          <span className="font-medium text-neutral-900">{c.inReview.toLocaleString()}</span> in review
          {filtered ? <> · <span className="font-medium text-neutral-900">{c.matching.toLocaleString()}</span> match the filters</> : null}
          {c.claimedByOthers > 0 ? <> · {c.claimedByOthers.toLocaleString()} with other reviewers now</> : null}
        </>
      ) : "Loading the queue…"} />
  );
  const guidelinesPanel = guidelinesOpen && guidelines ? <GuidelinesPanel guidelines={guidelines} onClose={() => setGuidelinesOpen(false)} /> : null;

  return (
    <>
      {!current ? (
        <div className="mx-auto flex w-full max-w-[1800px] flex-col gap-3 p-2">
          {header}
          <div className="flex items-center gap-3">
            <NoticeLine notice={notice} />
            {canUndo ? (
              <button type="button" onClick={() => void undo()} disabled={busy} aria-keyshortcuts="Z"
                className="shrink-0 rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm hover:bg-neutral-100 disabled:opacity-50">
                Undo last adjudication
              </button>
            ) : null}
          </div>
          {guidelinesPanel}
          {current === undefined ? (
            <p className="p-10 text-center text-neutral-600">Loading the next pair to review…</p>
          ) : (
            <NothingToReview projectId={projectId} filtered={filtered} />
          )}
        </div>
      ) : (
        <WorkbenchFrame
          railWidth="review"
          header={header}
          compare={<PairCompare pair={current} compareMode={compareMode} keyboardEnabled={panel !== "help"} />}
          bar={<>
            <ReviewDecisionBar busy={busy} next={flow.next} notice={notice} canUndo={canUndo}
              onAccept={() => void decide({ decision: "accept" })} onReject={openReject}
              onEdit={() => openEditor(editing ? draft : defaultFinalInstruction(candidates))} onSkip={() => void skip()}
              onUndo={() => void undo()} />
            <NoteBar note={note} onNote={setNote} noteRef={noteRef} canPromote={canPromote} promote={promote} onPromote={setPromote} />
          </>}
          rail={
            <article aria-label="Pair in review" data-pair-id={current.id} className="flex flex-col gap-2">
              <OriginalInstruction pair={current} />
              <LabelList labels={current.labels} reasons={reasons} />
              <VerifierSignals pair={current} />
              <RoutingReasons pair={current} />
              <CandidateList candidates={candidates} disabled={busy} onUse={(cand) => openEditor(cand.text)} />
              <PairContext pair={current} />
            </article>
          }
          overlay={panel === "reject" ? (
            <RejectPanel reasons={reasons.filter((r) => !r.retired)} selected={selected} onToggle={toggleReason} onSubmit={submitReject} onCancel={cancelReject} />
          ) : editing ? (
            <FinalInstructionEditor original={current.instruction} draft={draft} onChange={setDraft} onSubmit={submitEdit}
              onCancel={closeEditor} busy={busy} editorRef={editorRef} focusKey={focusEditor} />
          ) : guidelinesPanel}
        />
      )}

      {panel === "help" ? <ReviewKeyHelp onClose={() => setPanel("none")} /> : null}
    </>
  );
}
