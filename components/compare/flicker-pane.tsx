"use client";

import { Chip, ImageLayer, Pane, SourceBadge, type TPaneFrame, type TPaneImage } from "./compare-pane";

export function FlickerPane({ frame, source, edited, showingSource }: {
  frame: TPaneFrame;
  source: TPaneImage;
  edited: TPaneImage;
  showingSource: boolean;
}) {
  return (
    <Pane frame={frame} label="Flicker">
      <ImageLayer frame={frame} image={source} visible={showingSource} />
      <ImageLayer frame={frame} image={edited} visible={!showingSource} />
      <Chip text={showingSource ? "Source" : "Edited"} side="left" />
      <SourceBadge shown={showingSource} />
    </Pane>
  );
}
