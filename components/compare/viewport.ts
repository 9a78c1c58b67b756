/**
 * Pure geometry for the compare view. Everything is *normalized to the pane*: the visible, clipped area is
 * the unit square, (0,0) its top-left. Content is drawn in a layer that fills the pane, transformed with
 *
 *   transform: translate(x·100%, y·100%) scale(scale);  transform-origin: 0 0
 *
 * so a content point p appears at `t + scale·p`. The translation being a fraction of the pane, one `View`
 * serves panes of different pixel sizes and survives window resizes.
 */

export interface View {
  /** Zoom factor; 1 = image fitted (object-contain) in the pane. */
  scale: number;
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const MIN_SCALE = 1;
export const MAX_SCALE = 16;
/** Above this zoom, images are rendered with `image-rendering: pixelated`. */
export const PIXELATED_THRESHOLD = 3;
export const ZOOM_STEP = 1.5;
/** Scales closer than this to a limit count as at it (the buttons disable there). */
const SCALE_EPSILON = 1e-6;

export const IDENTITY_VIEW: Readonly<View> = Object.freeze({ scale: 1, x: 0, y: 0 });

export const FULL_RECT: Readonly<Rect> = Object.freeze({ x: 0, y: 0, width: 1, height: 1 });

export function clamp(value: number, min: number, max: number): number {
  if (Number.isNaN(value)) return min;
  return Math.min(max, Math.max(min, value));
}

export function clampScale(scale: number, min = MIN_SCALE, max = MAX_SCALE): number {
  return clamp(scale, min, max);
}

/** Where `content` lands in `container` under `object-fit: contain`, normalized; degenerate sizes get the full pane. */
export function fitContain(content: Size, container: Size): Rect {
  if (!(content.width > 0 && content.height > 0 && container.width > 0 && container.height > 0)) {
    return { ...FULL_RECT };
  }
  const fit = Math.min(container.width / content.width, container.height / content.height);
  const width = (content.width * fit) / container.width;
  const height = (content.height * fit) / container.height;
  return { x: (1 - width) / 2, y: (1 - height) / 2, width, height };
}

export function unionRect(...rects: Rect[]): Rect {
  if (rects.length === 0) return { ...FULL_RECT };
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Clamps one axis: content as large as the pane must cover it (no gap dragged in); smaller content is centered. */
function clampAxis(t: number, scale: number, start: number, length: number): number {
  const scaledLength = scale * length;
  if (scaledLength <= 1) {
    return 0.5 - scale * (start + length / 2);
  }
  const min = 1 - scale * (start + length); // right/bottom edge of content at the pane edge
  const max = -scale * start; // left/top edge of content at the pane edge
  return clamp(t, min, max) + 0; // + 0 turns -0 into 0
}

/** Clamps the scale and translation so the content cannot be dragged out of view; identity at scale 1. */
export function clampView(view: View, content: Rect = FULL_RECT): View {
  const scale = clampScale(view.scale);
  return {
    scale,
    x: clampAxis(view.x, scale, content.x, content.width),
    y: clampAxis(view.y, scale, content.y, content.height),
  };
}

/** Multiply the zoom by `factor`, keeping the content point under `point` fixed where possible. */
export function zoomAt(view: View, factor: number, point: Point, content: Rect = FULL_RECT): View {
  const scale = clampScale(view.scale * factor);
  const ratio = scale / view.scale;
  // p = (c - t) / s must stay under c:  t' = c - s'·p = c - (c - t)·s'/s
  return clampView(
    {
      scale,
      x: point.x - (point.x - view.x) * ratio,
      y: point.y - (point.y - view.y) * ratio,
    },
    content,
  );
}

export function zoomTo(
  view: View,
  scale: number,
  point: Point = { x: 0.5, y: 0.5 },
  content: Rect = FULL_RECT,
): View {
  return zoomAt(view, scale / view.scale, point, content);
}

export function panBy(view: View, dx: number, dy: number, content: Rect = FULL_RECT): View {
  return clampView({ scale: view.scale, x: view.x + dx, y: view.y + dy }, content);
}

/** Zoom factor of one wheel event (up zooms in); pinches come as ctrlKey wheel events with small deltas: boosted. */
export function wheelZoomFactor(deltaY: number, deltaMode = 0, pinch = false): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const sensitivity = pinch ? 0.01 : 0.002;
  // Cap a single event so a "notchy" mouse never jumps too far at once.
  const exponent = clamp(-pixels * sensitivity, -0.7, 0.7);
  return Math.exp(exponent);
}

export function viewsEqual(a: View, b: View, epsilon = 1e-9): boolean {
  return (
    Math.abs(a.scale - b.scale) <= epsilon &&
    Math.abs(a.x - b.x) <= epsilon &&
    Math.abs(a.y - b.y) <= epsilon
  );
}

export function isPixelated(scale: number): boolean {
  return scale > PIXELATED_THRESHOLD;
}

export function formatZoom(scale: number): string {
  return `${scale.toFixed(1)}×`;
}

export function viewTransform(view: View): string {
  return `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.scale})`;
}

export function isZoomed(scale: number): boolean {
  return scale > MIN_SCALE + SCALE_EPSILON;
}

export function canZoomIn(scale: number): boolean {
  return scale < MAX_SCALE - SCALE_EPSILON;
}

export function pointInPane(clientX: number, clientY: number, rect: { left: number; top: number; width: number; height: number }): Point {
  return { x: (clientX - rect.left) / rect.width, y: (clientY - rect.top) / rect.height };
}

/** A pan by dragging: where it started, on a pane of what size, keeping which content in view. */
export interface TDragStart {
  startX: number;
  startY: number;
  startView: View;
  width: number;
  height: number;
  content: Rect;
}

export function dragView(drag: TDragStart, clientX: number, clientY: number): View {
  return panBy(drag.startView, (clientX - drag.startX) / drag.width, (clientY - drag.startY) / drag.height, drag.content);
}
