export { CompareView, type CompareHeatmap, type CompareViewProps } from "./compare-view";
export {
  COMPARE_MODES,
  COMPARE_MODE_LABELS,
  isBaseCompareMode,
  isCompareMode,
  nextCompareMode,
  toggleHeatmapMode,
  type BaseCompareMode,
  type CompareMode,
} from "./modes";
export { useCompareMode } from "./use-compare-mode";
