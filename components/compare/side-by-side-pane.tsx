"use client";

import { Chip, ImageLayer, Pane, SourceBadge, type TPaneFrame, type TPaneImage } from "./compare-pane";

const HALF_HEIGHT = "h-[40vh] min-h-48 sm:h-[50vh] lg:h-full lg:min-h-40";

export function SideBySidePane({ frame, source, edited, showingSource }: {
  frame: TPaneFrame;
  source: TPaneImage;
  edited: TPaneImage;
  showingSource: boolean;
}) {
  return (
    <div className="grid grid-cols-1 gap-2 sm:grid-cols-2 lg:h-full">
      <Pane frame={frame} label="Source" heightClass={HALF_HEIGHT}>
        <ImageLayer frame={frame} image={source} visible />
        <Chip text="Source" side="left" />
      </Pane>
      <Pane frame={frame} label="Edited" heightClass={HALF_HEIGHT}>
        <ImageLayer frame={frame} image={source} visible={showingSource} />
        <ImageLayer frame={frame} image={edited} visible={!showingSource} />
        <Chip text={showingSource ? "Edited (showing source)" : "Edited"} side="left" />
        <SourceBadge shown={showingSource} />
      </Pane>
    </div>
  );
}
