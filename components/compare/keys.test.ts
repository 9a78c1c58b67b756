import { describe, expect, it } from "vitest";
import { compareKeyDownAction, hasCommandModifier, isSpaceKey, isTextEntryTarget, showsSource, spaceBelongsToTarget } from "./keys";

describe("compare view keys", () => {
  it("maps V and Space, ignoring modifiers and V auto-repeat", () => {
    expect(compareKeyDownAction({ key: "v" })).toBe("cycle-mode");
    expect(compareKeyDownAction({ key: "V" })).toBe("cycle-mode");
    expect(compareKeyDownAction({ key: "v", repeat: true })).toBeNull();
    expect(compareKeyDownAction({ key: "v", ctrlKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "v", metaKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: " " })).toBe("hold-source");
    expect(compareKeyDownAction({ key: "Spacebar" })).toBe("hold-source");
    expect(compareKeyDownAction({ key: " ", repeat: true })).toBe("hold-repeat");
    expect(compareKeyDownAction({ key: " ", altKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "x" })).toBeNull();
  });
  it("maps d and D, ignoring auto-repeat and modifiers", () => {
    expect(compareKeyDownAction({ key: "d" })).toBe("toggle-heatmap");
    expect(compareKeyDownAction({ key: "D" })).toBe("toggle-heatmap");
    expect(compareKeyDownAction({ key: "d", repeat: true })).toBeNull();
    expect(compareKeyDownAction({ key: "d", ctrlKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "d", metaKey: true })).toBeNull();
  });
  it("knows Space and the command modifiers", () => {
    expect(isSpaceKey(" ")).toBe(true);
    expect(isSpaceKey("Enter")).toBe(false);
    expect(hasCommandModifier({ key: "v", altKey: true })).toBe(true);
    expect(hasCommandModifier({ key: "v" })).toBe(false);
  });
  it("treats non-element targets (window/document) as not text entry", () => {
    expect(isTextEntryTarget(null)).toBe(false);
    expect(spaceBelongsToTarget(null, null)).toBe(false);
  });
});

describe("showing the source", () => {
  it("follows Space only while shortcuts are on, and the button always", () => {
    expect(showsSource(true, true, false)).toBe(true);
    expect(showsSource(true, false, false)).toBe(false);
    expect(showsSource(false, false, true)).toBe(true);
    expect(showsSource(false, true, false)).toBe(false);
  });
});
