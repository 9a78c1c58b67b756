// The slider's divider position, in percent of the pane width. Pure.
import { clamp } from "./viewport";

export const DEFAULT_SLIDER_POSITION = 50;
export const SLIDER_STEP = 2;
export const SLIDER_PAGE_STEP = 10;

export function clampSliderPosition(percent: number): number {
  return clamp(percent, 0, 100);
}

export function sliderPositionFromPointer(clientX: number, left: number, width: number): number {
  if (!(width > 0)) return DEFAULT_SLIDER_POSITION;
  return clampSliderPosition(((clientX - left) / width) * 100);
}

/** The divider after a key press (arrows ±2, Page keys ±10, Home, End), or null for another key. */
export function sliderPositionForKey(percent: number, key: string): number | null {
  switch (key) {
    case "ArrowLeft":
    case "ArrowDown":
      return clampSliderPosition(percent - SLIDER_STEP);
    case "ArrowRight":
    case "ArrowUp":
      return clampSliderPosition(percent + SLIDER_STEP);
    case "PageDown":
      return clampSliderPosition(percent - SLIDER_PAGE_STEP);
    case "PageUp":
      return clampSliderPosition(percent + SLIDER_PAGE_STEP);
    case "Home":
      return 0;
    case "End":
      return 100;
    default:
      return null;
  }
}

/** As sliderPositionForKey, but a key with Ctrl, Meta or Alt belongs to the browser. */
export function sliderPositionForKeyPress(
  percent: number,
  e: { key: string; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean },
): number | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  return sliderPositionForKey(percent, e.key);
}

export function sliderValue(percent: number): { now: number; text: string } {
  const now = Math.round(percent);
  return { now, text: `${now}% source` };
}

export function sliderClipPath(percent: number): string {
  return `inset(0 0 0 ${percent}%)`;
}
