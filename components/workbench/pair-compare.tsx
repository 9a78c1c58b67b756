"use client";

import type { TPairView } from "@/lib/queue/types";
import { CompareView, type useCompareMode } from "@/components/compare";
import { imageUrl } from "./pair-flow";

export function PairCompare({ pair, compareMode, keyboardEnabled }: {
  pair: TPairView & { id: string };
  compareMode: ReturnType<typeof useCompareMode>;
  keyboardEnabled: boolean;
}) {
  return (
    <CompareView
      key={pair.id}
      sourceSrc={imageUrl(pair.sourceImage)}
      editedSrc={imageUrl(pair.editedImage)}
      mode={compareMode.mode}
      returnMode={compareMode.returnMode}
      onModeChange={compareMode.setMode}
      heatmap={pair.heatmapImage ? {
        src: imageUrl(pair.heatmapImage),
        changedFraction: pair.changedFraction,
        ssim: pair.ssim,
        changeOutsideMask: pair.changeOutsideMask,
      } : null}
      keyboardEnabled={keyboardEnabled}
    />
  );
}
