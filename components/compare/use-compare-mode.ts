"use client";

import { useCallback, useState } from "react";
import { withCompareMode, type BaseCompareMode, type CompareMode, type TCompareModeState } from "./modes";

/** The compare mode a page keeps across pairs, with the view D returns to (a remounted view would forget it). */
export function useCompareMode(initial: BaseCompareMode = "side-by-side") {
  const [state, setState] = useState<TCompareModeState>({ mode: initial, returnMode: initial });
  const setMode = useCallback((mode: CompareMode) => setState((s) => withCompareMode(s, mode)), []);
  return { mode: state.mode, returnMode: state.returnMode, setMode };
}
