import { describe, expect, it } from "vitest";
import { annotateKeyAction, isActionKey, rejectPanelKeyAction, type TAnnotateKeyState } from "./keys";

const reasons = [{ code: "no_edit" }, { code: "artifacts" }, { code: "wrong_object" }];
const idle: TAnnotateKeyState = { panel: "none", paused: false, typing: false, hasPair: true, reasons };
const press = (key: string, more: Partial<{ repeat: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean }> = {}) => ({ key, ...more });

describe("annotate keys with no panel open", () => {
  it("decides, opens the panels, skips and undoes", () => {
    expect(annotateKeyAction(press("a"), idle)).toEqual({ type: "accept" });
    expect(annotateKeyAction(press("A"), idle)).toEqual({ type: "accept" });
    expect(annotateKeyAction(press("r"), idle)).toEqual({ type: "open-reject" });
    expect(annotateKeyAction(press("e"), idle)).toEqual({ type: "open-recaption" });
    expect(annotateKeyAction(press("s"), idle)).toEqual({ type: "skip" });
    expect(annotateKeyAction(press("z"), idle)).toEqual({ type: "undo" });
    expect(annotateKeyAction(press("?"), idle)).toEqual({ type: "open-help" });
  });

  it("leaves other keys and modified keys to the browser", () => {
    expect(annotateKeyAction(press("x"), idle)).toBeNull();
    expect(annotateKeyAction(press("1"), idle)).toBeNull();
    expect(annotateKeyAction(press("a", { ctrlKey: true }), idle)).toBeNull();
    expect(annotateKeyAction(press("z", { metaKey: true }), idle)).toBeNull();
    expect(annotateKeyAction(press("s", { altKey: true }), idle)).toBeNull();
  });

  it("swallows a held action key so it cannot decide pair after pair", () => {
    expect(annotateKeyAction(press("a", { repeat: true }), idle)).toEqual({ type: "swallow" });
    expect(annotateKeyAction(press("Enter", { repeat: true }), { ...idle, panel: "reject" })).toEqual({ type: "swallow" });
    expect(annotateKeyAction(press("x", { repeat: true }), idle)).toBeNull();
  });

  it("does nothing while typing or paused", () => {
    expect(annotateKeyAction(press("a"), { ...idle, typing: true })).toBeNull();
    expect(annotateKeyAction(press("a"), { ...idle, paused: true })).toBeNull();
    expect(annotateKeyAction(press("?"), { ...idle, paused: true })).toBeNull();
  });

  it("without a pair only undo and help remain", () => {
    const empty = { ...idle, hasPair: false };
    expect(annotateKeyAction(press("a"), empty)).toBeNull();
    expect(annotateKeyAction(press("s"), empty)).toBeNull();
    expect(annotateKeyAction(press("z"), empty)).toEqual({ type: "undo" });
    expect(annotateKeyAction(press("?"), empty)).toEqual({ type: "open-help" });
  });
});

describe("annotate keys with a panel open", () => {
  it("help closes on Escape or ? and takes nothing else", () => {
    const help = { ...idle, panel: "help" as const };
    expect(annotateKeyAction(press("Escape"), help)).toEqual({ type: "close-help" });
    expect(annotateKeyAction(press("?"), help)).toEqual({ type: "close-help" });
    expect(annotateKeyAction(press("a"), help)).toBeNull();
    expect(annotateKeyAction(press("z"), help)).toBeNull();
  });

  it("the reject panel toggles reasons by the number row, submits and cancels; Z still undoes", () => {
    const reject = { ...idle, panel: "reject" as const };
    expect(annotateKeyAction(press("2"), reject)).toEqual({ type: "toggle-reason", code: "artifacts" });
    expect(annotateKeyAction(press("Enter"), reject)).toEqual({ type: "submit-reject" });
    expect(annotateKeyAction(press("Escape"), reject)).toEqual({ type: "cancel-reject" });
    expect(annotateKeyAction(press("9"), reject)).toBeNull();
    expect(annotateKeyAction(press("a"), reject)).toBeNull();
    expect(annotateKeyAction(press("z"), reject)).toEqual({ type: "undo" });
  });

  it("the re-caption panel leaves the decision keys alone", () => {
    const recaption = { ...idle, panel: "recaption" as const };
    expect(annotateKeyAction(press("a"), recaption)).toBeNull();
    expect(annotateKeyAction(press("z"), recaption)).toEqual({ type: "undo" });
  });
});

describe("reject panel keys", () => {
  it("maps the number row 1–9, 0, -, = to reasons 1–12", () => {
    const twelve = Array.from({ length: 12 }, (_, i) => ({ code: `r${i + 1}` }));
    const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "-", "="];
    expect(keys.map((k) => rejectPanelKeyAction(k, twelve))).toEqual(twelve.map((r) => ({ type: "toggle-reason", code: r.code })));
  });

  it("takes a number beyond the reasons without acting, and leaves other keys", () => {
    expect(rejectPanelKeyAction("0", reasons)).toBeNull();
    expect(rejectPanelKeyAction("a", reasons)).toBeUndefined();
  });

  it("counts Enter among the held keys to swallow", () => {
    expect(isActionKey("Enter")).toBe(true);
    expect(isActionKey("v")).toBe(false);
  });
});
