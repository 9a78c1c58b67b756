import { describe, expect, it } from "vitest";
import { failedImagesText, keepStatuses, neededImages, summarizeLoad, withStatus } from "./load-status";

describe("images a compare view waits for", () => {
  it("is the source and the edit, or the source and the change map", () => {
    expect(neededImages("s", "e", "h", false)).toEqual([["source", "s"], ["edited", "e"]]);
    expect(neededImages("s", "e", "h", true)).toEqual([["source", "s"], ["change map", "h"]]);
    expect(neededImages("s", "e", null, true)).toEqual([["source", "s"], ["edited", "e"]]);
  });
});

describe("load summary", () => {
  const needed: [string, string][] = [["source", "s"], ["edited", "e"]];
  it("is loading until every image has answered, ready once all loaded", () => {
    expect(summarizeLoad(needed, {})).toEqual({ failed: [], loading: true, ready: false, reasons: [] });
    expect(summarizeLoad(needed, { s: "loaded" })).toEqual({ failed: [], loading: true, ready: false, reasons: [] });
    expect(summarizeLoad(needed, { s: "loaded", e: "loaded" })).toEqual({ failed: [], loading: false, ready: true, reasons: [] });
  });
  it("names the failed images and stops saying loading", () => {
    expect(summarizeLoad(needed, { e: "error" })).toEqual({ failed: ["edited"], loading: false, ready: false, reasons: [] });
    expect(summarizeLoad(needed, { s: "error", e: "error" })).toEqual({ failed: ["source", "edited"], loading: false, ready: false, reasons: [] });
  });
  it("carries the server's reason for a failed image (a vanished bucket object names its key)", () => {
    const why = { e: "Image abc is missing: s3://data/x.png is no longer in its bucket." };
    expect(summarizeLoad(needed, { s: "loaded", e: "error" }, why).reasons).toEqual([why.e]);
    expect(summarizeLoad(needed, { s: "loaded", e: "loaded" }, why).reasons).toEqual([]);
  });
  it("says which images failed", () => {
    expect(failedImagesText(["edited"])).toBe("Couldn’t load the edited image.");
    expect(failedImagesText(["source", "change map"])).toBe("Couldn’t load the source and change map images.");
  });
});

describe("statuses across pairs", () => {
  it("keeps the statuses of images still on screen and drops the rest", () => {
    expect(keepStatuses({ a: "loaded", b: "error", c: "loaded" }, ["a", "b", null])).toEqual({ a: "loaded", b: "error" });
    expect(keepStatuses({ a: "loaded" }, ["x", "y", "z"])).toEqual({});
  });
  it("returns the same map when a status does not change", () => {
    const prev = { a: "loaded" as const };
    expect(withStatus(prev, "a", "loaded")).toBe(prev);
    expect(withStatus(prev, "a", "error")).toEqual({ a: "error" });
    expect(withStatus(prev, "b", "loaded")).toEqual({ a: "loaded", b: "loaded" });
  });
});
