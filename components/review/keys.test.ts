import { describe, expect, it } from "vitest";
import { candidateForKey, reviewKeyAction, type TReviewKeyState } from "./keys";

const idle: TReviewKeyState = {
  panel: "none",
  editing: false,
  typing: false,
  hasPair: true,
  candidates: 2,
  canPromote: true,
  reasons: [{ code: "no_edit" }, { code: "artifacts" }],
};
type TPress = { key: string; repeat?: boolean; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean; defaultPrevented?: boolean; isComposing?: boolean };
const press = (key: string, more: Omit<TPress, "key"> = {}): TPress => ({ key, ...more });

describe("review keys with no panel open", () => {
  it("decides, edits, notes, promotes and skips", () => {
    expect(reviewKeyAction(press("a"), idle)).toEqual({ type: "accept" });
    expect(reviewKeyAction(press("r"), idle)).toEqual({ type: "open-reject" });
    expect(reviewKeyAction(press("e"), idle)).toEqual({ type: "open-editor" });
    expect(reviewKeyAction(press("E"), { ...idle, editing: true })).toEqual({ type: "focus-editor" });
    expect(reviewKeyAction(press("n"), idle)).toEqual({ type: "focus-note" });
    expect(reviewKeyAction(press("g"), idle)).toEqual({ type: "toggle-promote" });
    expect(reviewKeyAction(press("s"), idle)).toEqual({ type: "skip" });
    expect(reviewKeyAction(press("?"), idle)).toEqual({ type: "open-help" });
    // Undo the last adjudication, also with no pair left on screen; not while a panel is open.
    expect(reviewKeyAction(press("z"), idle)).toEqual({ type: "undo" });
    expect(reviewKeyAction(press("z"), { ...idle, hasPair: false })).toEqual({ type: "undo" });
    expect(reviewKeyAction(press("z"), { ...idle, panel: "reject" })).toBeNull();
  });

  it("takes a candidate by its number, if there is one", () => {
    expect(reviewKeyAction(press("1"), idle)).toEqual({ type: "take-candidate", index: 0 });
    expect(reviewKeyAction(press("2"), idle)).toEqual({ type: "take-candidate", index: 1 });
    expect(reviewKeyAction(press("3"), idle)).toBeNull();
    expect(reviewKeyAction(press("0"), idle)).toBeNull();
    expect(candidateForKey("9")).toBe(9);
    expect(candidateForKey("0")).toBeNull();
  });

  it("G only for those who may promote; Escape only closes an open editor", () => {
    expect(reviewKeyAction(press("g"), { ...idle, canPromote: false })).toBeNull();
    expect(reviewKeyAction(press("Escape"), idle)).toBeNull();
    expect(reviewKeyAction(press("Escape"), { ...idle, editing: true })).toEqual({ type: "close-editor" });
  });

  it("Ctrl+Enter submits an open editor from anywhere, even while typing", () => {
    const editing = { ...idle, editing: true, typing: true };
    expect(reviewKeyAction(press("Enter", { ctrlKey: true }), editing)).toEqual({ type: "submit-edit" });
    expect(reviewKeyAction(press("Enter", { metaKey: true }), editing)).toEqual({ type: "submit-edit" });
    expect(reviewKeyAction(press("Enter", { ctrlKey: true }), idle)).toBeNull();
    expect(reviewKeyAction(press("Enter", { ctrlKey: true }), { ...editing, panel: "reject" })).toBeNull();
  });

  it("ignores handled, composing, modified, typed and held keys", () => {
    expect(reviewKeyAction(press("a", { defaultPrevented: true }), idle)).toBeNull();
    expect(reviewKeyAction(press("a", { isComposing: true }), idle)).toBeNull();
    expect(reviewKeyAction(press("a", { altKey: true }), idle)).toBeNull();
    expect(reviewKeyAction(press("a"), { ...idle, typing: true })).toBeNull();
    expect(reviewKeyAction(press("g", { repeat: true }), idle)).toEqual({ type: "swallow" });
    expect(reviewKeyAction(press("n", { repeat: true }), idle)).toEqual({ type: "focus-note" });
  });

  it("without a pair only help remains", () => {
    expect(reviewKeyAction(press("a"), { ...idle, hasPair: false })).toBeNull();
    expect(reviewKeyAction(press("?"), { ...idle, hasPair: false })).toEqual({ type: "open-help" });
  });
});

describe("review keys with a panel open", () => {
  it("help closes on Escape or ?", () => {
    const help = { ...idle, panel: "help" as const };
    expect(reviewKeyAction(press("Escape"), help)).toEqual({ type: "close-help" });
    expect(reviewKeyAction(press("a"), help)).toBeNull();
  });

  it("the reject panel takes every key: its reasons, Enter and Escape act, the rest do nothing", () => {
    const reject = { ...idle, panel: "reject" as const };
    expect(reviewKeyAction(press("1"), reject)).toEqual({ type: "toggle-reason", code: "no_edit" });
    expect(reviewKeyAction(press("Enter"), reject)).toEqual({ type: "submit-reject" });
    expect(reviewKeyAction(press("Escape"), reject)).toEqual({ type: "cancel-reject" });
    expect(reviewKeyAction(press("5"), reject)).toBeNull();
    expect(reviewKeyAction(press("a"), reject)).toBeNull();
    expect(reviewKeyAction(press("s"), reject)).toBeNull();
  });
});
