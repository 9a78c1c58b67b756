import { describe, expect, it } from "vitest";
import {
  FULL_RECT,
  IDENTITY_VIEW,
  MAX_SCALE,
  MIN_SCALE,
  clamp,
  clampScale,
  clampSliderPosition,
  clampView,
  fitContain,
  formatZoom,
  isPixelated,
  panBy,
  sliderPositionForKey,
  sliderPositionFromPointer,
  unionRect,
  viewsEqual,
  wheelZoomFactor,
  zoomAt,
  zoomTo,
  type Point,
  type View,
} from "./viewport";
import { COMPARE_MODES, isCompareMode, nextCompareMode } from "./modes";
import { compareKeyDownAction, isTextEntryTarget, spaceBelongsToTarget } from "./keys";

/** Where content point p ends up on screen (pane-normalized). */
function toScreen(view: View, p: Point): Point {
  return { x: view.x + view.scale * p.x, y: view.y + view.scale * p.y };
}
function toContent(view: View, q: Point): Point {
  return { x: (q.x - view.x) / view.scale, y: (q.y - view.y) / view.scale };
}

describe("clamp helpers", () => {
  it("clamps numbers and NaN", () => {
    expect(clamp(5, 0, 1)).toBe(1);
    expect(clamp(-5, 0, 1)).toBe(0);
    expect(clamp(0.5, 0, 1)).toBe(0.5);
    expect(clamp(Number.NaN, 0, 1)).toBe(0);
  });
  it("clamps the scale to 1x..16x", () => {
    expect(clampScale(0.2)).toBe(MIN_SCALE);
    expect(clampScale(100)).toBe(MAX_SCALE);
    expect(clampScale(3)).toBe(3);
  });
});

describe("fitContain", () => {
  it("letterboxes a wide image in a square pane", () => {
    expect(fitContain({ width: 200, height: 100 }, { width: 100, height: 100 })).toEqual({
      x: 0,
      y: 0.25,
      width: 1,
      height: 0.5,
    });
  });
  it("pillarboxes a tall image in a wide pane", () => {
    const r = fitContain({ width: 100, height: 200 }, { width: 400, height: 200 });
    expect(r.width).toBeCloseTo(0.25);
    expect(r.height).toBeCloseTo(1);
    expect(r.x).toBeCloseTo(0.375);
    expect(r.y).toBeCloseTo(0);
  });
  it("falls back to the full pane for degenerate sizes", () => {
    expect(fitContain({ width: 0, height: 10 }, { width: 10, height: 10 })).toEqual(FULL_RECT);
    expect(fitContain({ width: 10, height: 10 }, { width: 0, height: 0 })).toEqual(FULL_RECT);
  });
  it("unions rectangles", () => {
    const u = unionRect({ x: 0, y: 0.25, width: 1, height: 0.5 }, { x: 0.375, y: 0, width: 0.25, height: 1 });
    expect(u).toEqual({ x: 0, y: 0, width: 1, height: 1 });
    expect(unionRect()).toEqual(FULL_RECT);
  });
});

describe("zoomAt", () => {
  it("keeps the content point under the cursor fixed", () => {
    const cursor = { x: 0.3, y: 0.7 };
    const before = toContent(IDENTITY_VIEW, cursor);
    const v = zoomAt(IDENTITY_VIEW, 2, cursor);
    expect(v.scale).toBe(2);
    const after = toScreen(v, before);
    expect(after.x).toBeCloseTo(cursor.x);
    expect(after.y).toBeCloseTo(cursor.y);
  });

  it("keeps the point fixed across successive zooms, in and out", () => {
    const cursor = { x: 0.6, y: 0.4 };
    let v = zoomAt(IDENTITY_VIEW, 4, { x: 0.2, y: 0.2 });
    const p = toContent(v, cursor);
    v = zoomAt(v, 1.5, cursor);
    v = zoomAt(v, 1 / 1.2, cursor);
    const q = toScreen(v, p);
    expect(q.x).toBeCloseTo(cursor.x);
    expect(q.y).toBeCloseTo(cursor.y);
  });

  it("clamps the zoom to 1x..16x", () => {
    expect(zoomAt(IDENTITY_VIEW, 0.5, { x: 0.5, y: 0.5 })).toEqual({ scale: 1, x: 0, y: 0 });
    expect(zoomAt({ scale: 10, x: -4, y: -4 }, 4, { x: 0.5, y: 0.5 }).scale).toBe(MAX_SCALE);
  });

  it("zooming back out to 1x returns to the fitted view", () => {
    let v = zoomAt(IDENTITY_VIEW, 8, { x: 0.9, y: 0.1 });
    v = zoomAt(v, 1 / 100, { x: 0.1, y: 0.9 });
    expect(viewsEqual(v, IDENTITY_VIEW)).toBe(true);
  });

  it("zoomTo sets an absolute scale around the center", () => {
    const v = zoomTo(IDENTITY_VIEW, 2);
    expect(v).toEqual({ scale: 2, x: -0.5, y: -0.5 });
  });

  it("centers a letterboxed axis while the image is smaller than the pane", () => {
    const content = { x: 0, y: 0.25, width: 1, height: 0.5 }; // wide image in a square pane
    const v = zoomAt(IDENTITY_VIEW, 1.5, { x: 0.5, y: 0.1 }, content);
    // height 0.5 * 1.5 = 0.75 < 1: vertically centered, content center (0.5) lands on 0.5
    expect(v.y + v.scale * 0.5).toBeCloseTo(0.5);
    // horizontally it is zoomed about the cursor x
    expect(v.x).toBeCloseTo(0.5 - 0.5 * 1.5);
  });
});

describe("pan bounds", () => {
  it("cannot pan at 1x", () => {
    expect(panBy(IDENTITY_VIEW, 0.3, -0.4)).toEqual({ scale: 1, x: 0, y: 0 });
  });

  it("stops when the image edge reaches the pane edge", () => {
    const v = { scale: 2, x: -0.5, y: -0.5 };
    // dragging far right: left edge of content (x) can't go past 0
    expect(panBy(v, 10, 0).x).toBe(0);
    // dragging far left: right edge of content (x + 2) can't go left of 1
    expect(panBy(v, -10, 0).x).toBe(-1);
    expect(panBy(v, 0, 10).y).toBe(0);
    expect(panBy(v, 0, -10).y).toBe(-1);
    // within bounds, moves freely
    expect(panBy(v, 0.25, -0.25)).toEqual({ scale: 2, x: -0.25, y: -0.75 });
  });

  it("never lets the image leave the view, whatever the drag", () => {
    const content = { x: 0.375, y: 0, width: 0.25, height: 1 }; // tall image in a wide pane
    for (const scale of [1, 2, 3.7, 8, 16]) {
      for (const d of [-100, -1, -0.1, 0, 0.1, 1, 100]) {
        const v = panBy({ scale, x: 0, y: 0 }, d, -d, content);
        const left = v.x + v.scale * content.x;
        const right = v.x + v.scale * (content.x + content.width);
        const top = v.y + v.scale * content.y;
        const bottom = v.y + v.scale * (content.y + content.height);
        // always overlaps the pane substantially
        expect(Math.min(right, 1) - Math.max(left, 0)).toBeGreaterThan(0.2);
        expect(Math.min(bottom, 1) - Math.max(top, 0)).toBeGreaterThan(0.2);
        // when the image is larger than the pane it covers the pane (no gap)
        if (scale * content.width >= 1) {
          expect(left).toBeLessThanOrEqual(1e-9);
          expect(right).toBeGreaterThanOrEqual(1 - 1e-9);
        }
      }
    }
  });

  it("clampView fixes an out-of-range view", () => {
    expect(clampView({ scale: 40, x: 5, y: -100 })).toEqual({ scale: 16, x: 0, y: -15 });
    expect(clampView({ scale: 0, x: 5, y: 5 })).toEqual(IDENTITY_VIEW);
  });
});

describe("wheel", () => {
  it("scrolling up zooms in, down zooms out", () => {
    expect(wheelZoomFactor(-100)).toBeGreaterThan(1);
    expect(wheelZoomFactor(100)).toBeLessThan(1);
    expect(wheelZoomFactor(0)).toBe(1);
    expect(wheelZoomFactor(-100) * wheelZoomFactor(100)).toBeCloseTo(1);
  });
  it("normalizes line/page deltas and caps a single event", () => {
    expect(wheelZoomFactor(-3, 1)).toBeCloseTo(wheelZoomFactor(-48, 0));
    expect(wheelZoomFactor(-10, 2)).toBeCloseTo(Math.exp(0.7));
    expect(wheelZoomFactor(-100000)).toBeCloseTo(Math.exp(0.7));
  });
  it("pinch gestures are more sensitive", () => {
    expect(wheelZoomFactor(-10, 0, true)).toBeGreaterThan(wheelZoomFactor(-10, 0, false));
  });
});

describe("readout and rendering", () => {
  it("formats the zoom", () => {
    expect(formatZoom(1)).toBe("1.0×");
    expect(formatZoom(2.04)).toBe("2.0×");
    expect(formatZoom(16)).toBe("16.0×");
  });
  it("pixelates above 3x", () => {
    expect(isPixelated(3)).toBe(false);
    expect(isPixelated(3.01)).toBe(true);
    expect(isPixelated(1)).toBe(false);
  });
});

describe("slider position", () => {
  it("clamps to 0..100", () => {
    expect(clampSliderPosition(-3)).toBe(0);
    expect(clampSliderPosition(130)).toBe(100);
    expect(clampSliderPosition(42)).toBe(42);
  });
  it("maps the pointer to a percentage of the pane", () => {
    expect(sliderPositionFromPointer(150, 100, 200)).toBe(25);
    expect(sliderPositionFromPointer(0, 100, 200)).toBe(0);
    expect(sliderPositionFromPointer(1000, 100, 200)).toBe(100);
    expect(sliderPositionFromPointer(150, 100, 0)).toBe(50);
  });
  it("moves by 2% with the arrow keys and handles Home/End/Page keys", () => {
    expect(sliderPositionForKey(50, "ArrowLeft")).toBe(48);
    expect(sliderPositionForKey(50, "ArrowRight")).toBe(52);
    expect(sliderPositionForKey(1, "ArrowLeft")).toBe(0);
    expect(sliderPositionForKey(99, "ArrowRight")).toBe(100);
    expect(sliderPositionForKey(50, "PageUp")).toBe(60);
    expect(sliderPositionForKey(50, "PageDown")).toBe(40);
    expect(sliderPositionForKey(50, "Home")).toBe(0);
    expect(sliderPositionForKey(50, "End")).toBe(100);
    expect(sliderPositionForKey(50, "a")).toBeNull();
  });
});

describe("modes", () => {
  it("cycles side-by-side → slider → flicker → side-by-side", () => {
    expect(COMPARE_MODES).toEqual(["side-by-side", "slider", "flicker"]);
    expect(nextCompareMode("side-by-side")).toBe("slider");
    expect(nextCompareMode("slider")).toBe("flicker");
    expect(nextCompareMode("flicker")).toBe("side-by-side");
    expect(nextCompareMode("side-by-side", -1)).toBe("flicker");
  });
  it("validates persisted values", () => {
    expect(isCompareMode("slider")).toBe(true);
    expect(isCompareMode("wipe")).toBe(false);
    expect(isCompareMode(undefined)).toBe(false);
  });
});

describe("keys", () => {
  it("maps V and Space, ignoring modifiers and V auto-repeat", () => {
    expect(compareKeyDownAction({ key: "v" })).toBe("cycle-mode");
    expect(compareKeyDownAction({ key: "V" })).toBe("cycle-mode");
    expect(compareKeyDownAction({ key: "v", repeat: true })).toBeNull();
    expect(compareKeyDownAction({ key: "v", ctrlKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "v", metaKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: " " })).toBe("hold-source");
    expect(compareKeyDownAction({ key: " ", repeat: true })).toBe("hold-repeat");
    expect(compareKeyDownAction({ key: " ", altKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "x" })).toBeNull();
  });
  it("treats non-element targets (window/document) as not text entry", () => {
    expect(isTextEntryTarget(null)).toBe(false);
    expect(spaceBelongsToTarget(null, null)).toBe(false);
  });
});
