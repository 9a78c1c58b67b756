"use client";

import { useState } from "react";
import type { TPairView } from "@/lib/queue/types";
import { CompareView, type useCompareMode } from "@/components/compare";
import { EarlierTurns } from "./earlier-turns";
import { imageUrl, previewUrl } from "./pair-flow";

export function PairCompare({ pair, compareMode, keyboardEnabled }: {
  pair: TPairView & { id: string };
  compareMode: ReturnType<typeof useCompareMode>;
  keyboardEnabled: boolean;
}) {
  // Previews still being made: the image route makes (or finds) one on request; the original is never a wait.
  const shown = pair.derivativesPending ? previewUrl : imageUrl;
  // The overlay switch outlives the pair, like the compare mode: someone checking masks checks them all.
  const [maskShown, setMaskShown] = useState(false);
  return (
    <CompareView
      key={pair.id}
      className="min-h-0 flex-1"
      sourceSrc={shown(pair.sourceImage)}
      editedSrc={shown(pair.editedImage)}
      mode={compareMode.mode}
      returnMode={compareMode.returnMode}
      onModeChange={compareMode.setMode}
      heatmap={pair.heatmapImage ? {
        src: imageUrl(pair.heatmapImage),
        changedFraction: pair.changedFraction,
        ssim: pair.ssim,
        changeOutsideMask: pair.changeOutsideMask,
      } : null}
      heatmapPending={pair.derivativesPending}
      mask={pair.maskImage ? { src: imageUrl(pair.maskImage), shown: maskShown, onToggle: () => setMaskShown((s) => !s) } : null}
      keyboardEnabled={keyboardEnabled}
    />
  );
}

/** What the rail shows about a pair beside its instruction: the session's earlier turns and a reference image. */
export function PairContext({ pair }: { pair: TPairView & { id: string } }) {
  return (
    <>
      <EarlierTurns pair={pair} />
      {pair.referenceImage ? <ReferenceImage sha256={pair.referenceImage} /> : null}
    </>
  );
}

/** The third image some edits are made with (AnyEdit's visual edits): the edited image should follow it. */
function ReferenceImage({ sha256 }: { sha256: string }) {
  return (
    <figure className="flex items-center gap-3 text-sm text-neutral-600">
      <a href={imageUrl(sha256)} target="_blank" rel="noreferrer">
        {/* eslint-disable-next-line @next/next/no-img-element -- served by our own image route, sized by CSS */}
        <img src={imageUrl(sha256)} alt="Reference image for this edit" className="h-20 w-auto rounded border border-neutral-300" />
      </a>
      <figcaption>Reference image: the edit should follow it.</figcaption>
    </figure>
  );
}
