"use client";

import type { CSSProperties } from "react";
import { Chip, ImageLayer, Pane, SourceBadge, type TPaneFrame, type TPaneImage } from "./compare-pane";

/** The colour ramp of the change maps (inferno from its purple third, lib/images/derive.ts). */
const HEAT_LEGEND_STYLE: CSSProperties = {
  backgroundImage: "linear-gradient(to right, rgb(126 30 107), rgb(186 54 85), rgb(227 89 51), rgb(249 140 10), rgb(249 201 50), rgb(252 255 164))",
};

export function HeatmapPane({ frame, source, heatmapSrc, showingSource }: {
  frame: TPaneFrame;
  source: TPaneImage;
  heatmapSrc: string;
  showingSource: boolean;
}) {
  return (
    <Pane frame={frame} label="Change heatmap">
      <ImageLayer frame={frame} image={source} visible={showingSource} />
      <ImageLayer frame={frame} image={{ src: heatmapSrc, alt: "Change heatmap of the edit" }} visible={!showingSource} />
      <Chip text={showingSource ? "Source" : "Change map"} side="left" />
      <SourceBadge shown={showingSource} />
    </Pane>
  );
}

/** The heatmap's key and measured change, shown in the strip under the panes (never between them and the bar). */
export function HeatmapFigures({ figures }: { figures: string }) {
  return (
    <div className="flex min-w-0 items-center gap-x-4">
      <HeatmapLegend />
      {figures ? (
        <p className="truncate tabular-nums" data-testid="change-figures">
          {figures}
        </p>
      ) : null}
    </div>
  );
}

function HeatmapLegend() {
  return (
    <div
      className="flex shrink-0 items-center gap-2"
      role="img"
      aria-label="Legend: unchanged pixels show the source dimmed to grey; changes are coloured from purple (small) to pale yellow (large)"
    >
      <span aria-hidden className="h-2 w-4 rounded-sm bg-neutral-600 ring-1 ring-neutral-500" />
      <span aria-hidden>unchanged</span>
      <span aria-hidden className="h-2 w-28 rounded-sm ring-1 ring-neutral-600" style={HEAT_LEGEND_STYLE} />
      <span aria-hidden>small → large change</span>
    </div>
  );
}
