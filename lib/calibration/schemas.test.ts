import { describe, expect, it } from "vitest";
import { toFilter, ZCalibrationQuery, ZTargetPercent } from "./schemas";

describe("calibration query", () => {
  it("reads the target precision as a percentage, blank as none", () => {
    expect(ZTargetPercent.parse("92.5")).toBe(92.5);
    expect(ZTargetPercent.parse("0")).toBe(0);
    expect(ZTargetPercent.parse("")).toBeUndefined();
    expect(ZTargetPercent.parse(undefined)).toBeUndefined();
    expect(ZTargetPercent.safeParse("150").success).toBe(false);
    expect(ZTargetPercent.safeParse("-1").success).toBe(false);
    expect(ZTargetPercent.safeParse("ninety").success).toBe(false);
  });
  it("turns empty selects into no filter and gold=include into including gold", () => {
    const q = ZCalibrationQuery.parse({ task: "object", subtask: "", gold: "include", precision: "80" });
    expect(q).toEqual({ task: "object", subtask: undefined, gold: "include", precision: 80 });
    expect(toFilter(q)).toEqual({ task: "object", subtask: undefined, includeGold: true });
    expect(toFilter(ZCalibrationQuery.parse({}))).toEqual({ task: undefined, subtask: undefined, includeGold: false });
    expect(ZCalibrationQuery.safeParse({ gold: "maybe" }).success).toBe(false);
  });
});
