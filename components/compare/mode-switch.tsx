"use client";

import type { KeyboardEvent as ReactKeyboardEvent } from "react";
import { cx } from "./cx";
import { NO_HEATMAP_MESSAGE } from "./heatmap";
import {
  COMPARE_MODE_LABELS,
  COMPARE_MODES,
  modeStepForKey,
  nextCompareMode,
  tabbableModeIndex,
  type BaseCompareMode,
  type CompareMode,
} from "./modes";

const MODE_BUTTON = "rounded px-2.5 py-1 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-400";

/** The three views as a radio group (one Tab stop, arrows move) and the heatmap as a toggle beside it. */
export function ModeSwitch({ mode, shownMode, back, showingHeatmap, hasHeatmap, noHeatmapMessage = NO_HEATMAP_MESSAGE, onModeChange, onToggleHeatmap }: {
  mode: CompareMode;
  shownMode: CompareMode;
  back: BaseCompareMode;
  showingHeatmap: boolean;
  hasHeatmap: boolean;
  /** What the Heatmap button says when there is no change map (none, or not made yet). */
  noHeatmapMessage?: string;
  onModeChange: (mode: CompareMode) => void;
  onToggleHeatmap: () => void;
}) {
  const tabbable = tabbableModeIndex(back);
  const onKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    const step = modeStepForKey(e.key);
    if (step === null) return;
    e.preventDefault();
    const next = nextCompareMode(mode, step, back);
    onModeChange(next);
    e.currentTarget.querySelector<HTMLElement>(`[data-mode="${next}"]`)?.focus();
  };

  return (
    <div className="flex items-center gap-0.5 rounded bg-neutral-900 p-0.5">
      <div role="radiogroup" aria-label="Compare mode" className="flex" onKeyDown={onKeyDown}>
        {COMPARE_MODES.map((m, i) => {
          const checked = m === shownMode;
          return (
            <button
              key={m}
              type="button"
              role="radio"
              aria-checked={checked}
              data-mode={m}
              tabIndex={i === tabbable ? 0 : -1}
              title={`${COMPARE_MODE_LABELS[m]} (V cycles modes)`}
              onClick={() => onModeChange(m)}
              className={cx(MODE_BUTTON, checked ? "bg-neutral-600 text-white" : "text-neutral-300 hover:bg-neutral-700")}
            >
              {COMPARE_MODE_LABELS[m]}
            </button>
          );
        })}
      </div>
      <button
        type="button"
        aria-pressed={showingHeatmap}
        aria-disabled={hasHeatmap ? undefined : true}
        aria-keyshortcuts="D"
        title={hasHeatmap ? "Change heatmap (D toggles)" : noHeatmapMessage}
        onClick={onToggleHeatmap}
        className={cx(
          MODE_BUTTON,
          showingHeatmap ? "bg-neutral-600 text-white" : "text-neutral-300 hover:bg-neutral-700",
          !hasHeatmap && "opacity-50",
        )}
      >
        {COMPARE_MODE_LABELS.heatmap}
      </button>
    </div>
  );
}
