"use client";

import { Chip, ImageLayer, Pane, SourceBadge, type TPaneFrame, type TPaneImage } from "./compare-pane";
import { sliderClipPath, sliderValue } from "./slider";
import type { TSlider } from "./use-slider";

export function SliderPane({ frame, source, edited, showingSource, slider }: {
  frame: TPaneFrame;
  source: TPaneImage;
  edited: TPaneImage;
  showingSource: boolean;
  slider: TSlider;
}) {
  const value = sliderValue(slider.position);
  return (
    <Pane frame={frame} label="Before/after slider">
      <ImageLayer frame={frame} image={source} visible />
      <ImageLayer frame={frame} image={edited} visible={!showingSource} style={{ clipPath: sliderClipPath(slider.position) }} />
      <Chip text="Source" side="left" />
      {!showingSource && <Chip text="Edited" side="right" />}
      <div
        role="slider"
        tabIndex={0}
        aria-label="Before/after divider"
        aria-orientation="horizontal"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value.now}
        aria-valuetext={value.text}
        className="group absolute inset-y-0 z-10 w-8 -translate-x-1/2 cursor-ew-resize touch-none outline-none"
        style={{ left: `${slider.position}%` }}
        {...slider.handlers}
      >
        <span aria-hidden className="absolute inset-y-0 left-1/2 w-0.5 -translate-x-1/2 bg-white/90 shadow-[0_0_2px_rgba(0,0,0,0.8)]" />
        <span
          aria-hidden
          className="absolute left-1/2 top-1/2 grid h-8 w-8 -translate-x-1/2 -translate-y-1/2 place-items-center rounded-full border-2 border-white bg-neutral-900/80 text-xs text-white shadow group-focus-visible:ring-2 group-focus-visible:ring-sky-400 group-focus-visible:ring-offset-2 group-focus-visible:ring-offset-neutral-900"
        >
          ⇔
        </span>
      </div>
      <SourceBadge shown={showingSource} />
    </Pane>
  );
}
