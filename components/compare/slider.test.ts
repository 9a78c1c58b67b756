import { describe, expect, it } from "vitest";
import {
  clampSliderPosition,
  sliderClipPath,
  sliderPositionForKey,
  sliderPositionForKeyPress,
  sliderPositionFromPointer,
  sliderValue,
} from "./slider";

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
    expect(sliderPositionForKey(50, "ArrowDown")).toBe(48);
    expect(sliderPositionForKey(50, "ArrowUp")).toBe(52);
    expect(sliderPositionForKey(1, "ArrowLeft")).toBe(0);
    expect(sliderPositionForKey(99, "ArrowRight")).toBe(100);
    expect(sliderPositionForKey(50, "PageUp")).toBe(60);
    expect(sliderPositionForKey(50, "PageDown")).toBe(40);
    expect(sliderPositionForKey(95, "PageUp")).toBe(100);
    expect(sliderPositionForKey(50, "Home")).toBe(0);
    expect(sliderPositionForKey(50, "End")).toBe(100);
    expect(sliderPositionForKey(50, "a")).toBeNull();
  });
  it("leaves keys with Ctrl, Meta or Alt to the browser", () => {
    expect(sliderPositionForKeyPress(50, { key: "ArrowLeft" })).toBe(48);
    expect(sliderPositionForKeyPress(50, { key: "ArrowLeft", ctrlKey: true })).toBeNull();
    expect(sliderPositionForKeyPress(50, { key: "Home", metaKey: true })).toBeNull();
    expect(sliderPositionForKeyPress(50, { key: "End", altKey: true })).toBeNull();
  });
});

describe("slider rendering", () => {
  it("announces a whole percentage of source", () => {
    expect(sliderValue(37.6)).toEqual({ now: 38, text: "38% source" });
    expect(sliderValue(0)).toEqual({ now: 0, text: "0% source" });
  });
  it("clips the edit left of the divider", () => {
    expect(sliderClipPath(25)).toBe("inset(0 0 0 25%)");
  });
});
