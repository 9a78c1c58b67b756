export { CompareView, type CompareViewProps } from "./compare-view";
export { COMPARE_MODES, COMPARE_MODE_LABELS, isCompareMode, nextCompareMode, type CompareMode } from "./modes";
