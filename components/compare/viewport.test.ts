import { describe, expect, it } from "vitest";
import {
  FULL_RECT,
  IDENTITY_VIEW,
  MAX_SCALE,
  MIN_SCALE,
  clamp,
  clampScale,
  canZoomIn,
  clampView,
  dragView,
  fitContain,
  formatZoom,
  isPixelated,
  isZoomed,
  panBy,
  pointInPane,
  unionRect,
  viewTransform,
  viewsEqual,
  wheelZoomFactor,
  zoomAt,
  zoomTo,
  type Point,
  type View,
} from "./viewport";

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
    // height 0.75 < 1: vertically centered; horizontally zoomed about the cursor
    expect(v.y + v.scale * 0.5).toBeCloseTo(0.5);
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
        expect(Math.min(right, 1) - Math.max(left, 0)).toBeGreaterThan(0.2);
        expect(Math.min(bottom, 1) - Math.max(top, 0)).toBeGreaterThan(0.2);
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

describe("zoom limits and the transform", () => {
  it("counts a scale within a hair of a limit as at it", () => {
    expect(isZoomed(MIN_SCALE)).toBe(false);
    expect(isZoomed(MIN_SCALE + 1e-9)).toBe(false);
    expect(isZoomed(1.5)).toBe(true);
    expect(canZoomIn(MAX_SCALE)).toBe(false);
    expect(canZoomIn(MAX_SCALE - 1e-9)).toBe(false);
    expect(canZoomIn(8)).toBe(true);
  });
  it("draws a view as a translation in pane fractions, then the scale", () => {
    expect(viewTransform(IDENTITY_VIEW)).toBe("translate(0%, 0%) scale(1)");
    expect(viewTransform({ scale: 2, x: -0.5, y: -0.25 })).toBe("translate(-50%, -25%) scale(2)");
  });
});

describe("pointer to pane", () => {
  it("normalizes a pointer to the pane", () => {
    expect(pointInPane(150, 80, { left: 100, top: 40, width: 200, height: 80 })).toEqual({ x: 0.25, y: 0.5 });
  });
  it("pans by the drag's distance as a fraction of the pane, within the content", () => {
    const drag = { startX: 100, startY: 100, startView: { scale: 2, x: -0.5, y: -0.5 }, width: 200, height: 100, content: FULL_RECT };
    expect(dragView(drag, 150, 100)).toEqual({ scale: 2, x: -0.25, y: -0.5 });
    expect(dragView(drag, 100, 125)).toEqual({ scale: 2, x: -0.5, y: -0.25 });
    // Dragged far right: the content's left edge stops at the pane's left edge.
    expect(dragView(drag, 1000, 100)).toEqual({ scale: 2, x: 0, y: -0.5 });
    expect(viewsEqual(dragView(drag, 100, 100), drag.startView)).toBe(true);
  });
});
