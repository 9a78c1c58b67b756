"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { useCompareMode } from "@/components/compare";
import { ApiError } from "@/components/ui/api-client";
import { GuidelinesPanel } from "@/components/workbench/guidelines-panel";
import { HistoryPanel } from "@/components/workbench/history-panel";
import { NoticeLine } from "@/components/workbench/notice-line";
import { PairCompare, PairContext } from "@/components/workbench/pair-compare";
import {
  charsLeft,
  decisionVerb,
  forgetDecision,
  reasonText,
  rememberDecision,
  type THistoryEntry,
  type TSlot,
} from "@/components/workbench/pair-flow";
import { usePairFlow } from "@/components/workbench/use-pair-flow";
import { useWindowKeys } from "@/components/workbench/use-window-keys";
import { WorkbenchFrame } from "@/components/workbench/workbench-frame";
import { WorkbenchHeader } from "@/components/workbench/workbench-header";
import { RECAPTION_MAX_CHARS } from "@/lib/queue/schemas";
import {
  annotateKeys,
  fetchNext,
  fetchProgress,
  isPausedError,
  postLabel,
  postSkip,
  postUndo,
  type TClaimedPair,
  type TDecisionInput,
} from "./api";
import { DailyGoal } from "./daily-goal";
import { DecisionBar } from "./decision-bar";
import { KeyHelp } from "./key-help";
import { annotateKeyAction, isTyping, type TAnnotateKeyAction, type TAnnotatePanel } from "./keys";
import { NothingLeft } from "./nothing-left";
import { PairInstruction } from "./pair-instruction";
import { PausedPanel } from "./paused-panel";
import { RecaptionPanel } from "./recaption-panel";
import { RejectPanel, type TReason } from "./reject-panel";
import { usePairsLeft } from "./use-pairs-left";

/** What opens over the rail beside the decision panels: the guidelines or the session's history. */
type TSidePanel = "none" | "guidelines" | "history";

export function Workbench({ projectId, projectName, guidelines, reasons }: {
  projectId: number;
  projectName: string;
  guidelines: string;
  reasons: TReason[];
}) {
  const qc = useQueryClient();
  const [panel, setPanel] = useState<TAnnotatePanel>("none");
  const [side, setSide] = useState<TSidePanel>("none");
  const [selected, setSelected] = useState<string[]>([]);
  const [draft, setDraft] = useState("");
  const compareMode = useCompareMode();
  // This session's decisions, newest first: undo names the pair it takes back.
  const [history, setHistory] = useState<THistoryEntry[]>([]);
  const [now, setNow] = useState(0);
  // The server's reason once a claim or submit answered "paused"; the page then offers no pair.
  const [paused, setPaused] = useState<string | null>(null);
  const pausedRef = useRef(false);
  const shownAt = useRef<number>(0);

  const progress = useQuery({ queryKey: annotateKeys.progress(projectId), queryFn: () => fetchProgress(projectId) });
  const pairsLeft = usePairsLeft(progress.data);
  const refreshProgress = useCallback(() => {
    void qc.invalidateQueries({ queryKey: annotateKeys.progress(projectId) });
  }, [projectId, qc]);

  const claim = useCallback((exclude: string[]) => fetchNext(projectId, exclude), [projectId]);
  const onShow = useCallback((pair: TSlot<TClaimedPair>) => {
    setPanel("none");
    setSelected([]);
    setDraft(pair?.instruction ?? "");
    shownAt.current = performance.now();
  }, []);
  const stopIfPaused = useCallback((err: unknown): boolean => {
    if (!isPausedError(err)) return false;
    pausedRef.current = true;
    setPaused(err.message);
    return true;
  }, []);
  const flow = usePairFlow({ claim, onShow, intercept: stopIfPaused });
  const { current, notice, setNotice, busy, submit, skip: skipPair, run, bringBack, hasPair } = flow;

  const decide = useCallback((input: TDecisionInput) => {
    const seconds = Math.round((performance.now() - shownAt.current) / 100) / 10;
    return submit({
      send: (pair, submissionId, claimNext) =>
        postLabel(pair.id, submissionId, input, seconds, claimNext ? { projectId, exclude: claimNext } : undefined),
      saved: (_result, pair) => {
        setHistory((h) => rememberDecision(h, {
          pairId: pair.id, decision: input.decision, instruction: pair.instruction, undoUntil: pair.leaseExpiresAt, at: Date.now(),
        }));
        setNotice({ kind: "info", text: `${decisionVerb(input.decision)}. Press Z to undo.` });
      },
      settled: refreshProgress,
    });
  }, [projectId, refreshProgress, setNotice, submit]);

  const skip = useCallback(
    () => skipPair({ send: (pair) => postSkip(pair.id), done: "Skipped. It goes to someone else." }),
    [skipPair],
  );

  /** Takes back the decision `entry` names (the latest when none) and shows exactly that pair again. */
  const undo = useCallback((entry?: THistoryEntry) => run(async () => {
    const target = entry ?? history[0];
    if (!target) return;
    try {
      const { pair: restored } = await postUndo(projectId, target.pairId);
      // The pair on screen becomes the next one; the old prefetch stays leased and comes back later.
      if (restored) bringBack(restored);
      setHistory((h) => forgetDecision(h, target.pairId));
      setSide("none");
      setNotice({ kind: "info", text: "Decision undone. Decide this pair again." });
    } catch (err) {
      // Refused: the entry stays listed, as no longer undoable.
      if (err instanceof ApiError && (err.status === 409 || err.status === 404)) {
        setHistory((h) => h.map((e) => (e.pairId === target.pairId ? { ...e, undoUntil: new Date(0).toISOString() } : e)));
      }
      setNotice({ kind: "error", text: reasonText(err) });
    } finally {
      refreshProgress();
    }
  }), [bringBack, history, projectId, refreshProgress, run, setNotice]);
  const canUndo = history.length > 0;

  const toggleReason = useCallback((code: string) => {
    setSelected((s) => (s.includes(code) ? s.filter((c) => c !== code) : [...s, code]));
  }, []);
  const cancelReject = useCallback(() => {
    setPanel("none");
    setSelected([]);
  }, []);

  const submitReject = useCallback(() => {
    if (selected.length === 0) {
      setNotice({ kind: "error", text: "Pick at least one reason (number keys 1–9)." });
      return;
    }
    void decide({ decision: "reject", reasons: selected });
  }, [decide, selected, setNotice]);

  const submitRecaption = useCallback(() => {
    const text = draft.trim();
    if (!text) {
      setNotice({ kind: "error", text: "Write the instruction that describes the edit." });
      return;
    }
    if (charsLeft(text, RECAPTION_MAX_CHARS) < 0) {
      setNotice({ kind: "error", text: `Shorten the re-caption to ${RECAPTION_MAX_CHARS.toLocaleString("en")} characters to submit it.` });
      return;
    }
    void decide({ decision: "recaption", recaption: text });
  }, [decide, draft, setNotice]);

  const toggleSide = (which: Exclude<TSidePanel, "none">) => {
    setNow(Date.now());
    setSide((s) => (s === which ? "none" : which));
  };

  const onKeyAction = (action: TAnnotateKeyAction) => {
    switch (action.type) {
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
      case "undo":
        return void undo();
      case "accept":
        return void decide({ decision: "accept" });
      case "open-reject":
        return setPanel("reject");
      case "open-recaption":
        return setPanel("recaption");
      case "skip":
        return void skip();
    }
  };
  useWindowKeys(
    (e) => annotateKeyAction(e, { panel, paused: pausedRef.current, typing: isTyping(e.target), hasPair: hasPair(), reasons }),
    onKeyAction,
  );

  const p = progress.data;
  const header = (
    <WorkbenchHeader title={projectName} figuresTestId="progress" guidelines={guidelines}
      guidelinesOpen={side === "guidelines"} onGuidelines={() => toggleSide("guidelines")}
      onShortcuts={paused === null ? () => setPanel("help") : null}
      figures={p ? (
        <>
          <span className="font-medium text-neutral-900">{p.labelsToday.toLocaleString()}</span> done today ·{" "}
          <span className="font-medium text-neutral-900">{(pairsLeft ?? p.leftForYou).toLocaleString()}</span> left for you ·{" "}
          <DailyGoal projectId={projectId} goal={p.dailyGoal} today={p.labelsToday} />
        </>
      ) : "Loading progress…"} />
  );
  const sidePanel = side === "guidelines" && guidelines ? (
    <GuidelinesPanel guidelines={guidelines} onClose={() => setSide("none")} />
  ) : side === "history" ? (
    <HistoryPanel title="Recent decisions" history={history} now={now} busy={busy} onUndo={(h) => void undo(h)}
      onClose={() => setSide("none")} emptyText="Your decisions in this session show here, each undoable while its pair is still yours." />
  ) : null;

  return (
    <>
      {paused !== null || !current ? (
        <div className="mx-auto flex w-full max-w-[1800px] flex-col gap-3 p-2">
          {header}
          <NoticeLine notice={notice} />
          {sidePanel}
          {paused !== null ? (
            <PausedPanel message={paused} />
          ) : current === undefined ? (
            <p className="p-10 text-center text-neutral-600">Loading the next pair…</p>
          ) : (
            <NothingLeft canUndo={canUndo} busy={busy} onUndo={() => void undo()} />
          )}
        </div>
      ) : (
        <WorkbenchFrame
          header={header}
          compare={<PairCompare pair={current} compareMode={compareMode} keyboardEnabled={panel === "none" || panel === "reject"} />}
          bar={<DecisionBar busy={busy} canUndo={canUndo} next={flow.next} notice={notice} historyOpen={side === "history"}
            historyCount={history.length} onDecide={decide} onPanel={setPanel} onSkip={skip} onUndo={() => void undo()}
            onHistory={() => toggleSide("history")} />}
          rail={
            <article aria-label="Edit pair" data-pair-id={current.id} className="flex flex-col gap-2">
              <PairInstruction pair={current} />
              <PairContext pair={current} />
            </article>
          }
          overlay={panel === "reject" ? (
            <RejectPanel reasons={reasons} selected={selected} onToggle={toggleReason} onSubmit={submitReject} onCancel={cancelReject} />
          ) : panel === "recaption" ? (
            <RecaptionPanel original={current.instruction} value={draft} onChange={setDraft} onSubmit={submitRecaption}
              onCancel={() => setPanel("none")} busy={busy} />
          ) : sidePanel}
        />
      )}

      {panel === "help" && paused === null ? <KeyHelp onClose={() => setPanel("none")} /> : null}
    </>
  );
}
