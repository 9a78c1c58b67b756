import { describe, expect, it } from "vitest";
import { INITIAL_FORM, fromFilters, sameFilters, toFilters } from "./form-state";

describe("export form state", () => {
  it("sends nothing for the defaults, and each narrowed field as its filter", () => {
    expect(toFilters(INITIAL_FORM)).toEqual({});
    const f = toFilters({
      ...INITIAL_FORM,
      decisions: ["recaption", "accept"],
      adjudicatedOnly: true,
      minAgreement: " 0.8 ",
      tasks: "object, global,",
      subtasks: "",
      from: "2026-01-01",
      through: "2026-01-31",
      gold: "exclude",
    });
    expect(f).toMatchObject({ decisions: ["accept", "recaption"], adjudicatedOnly: true, minAgreement: 0.8, tasks: ["object", "global"], gold: "exclude" });
    // Local calendar days become instants: from the start of the first day to the start of the day after the last.
    expect(f.finalizedFrom).toBe(new Date(2026, 0, 1).toISOString());
    expect(f.finalizedBefore).toBe(new Date(2026, 1, 1).toISOString());
    expect(toFilters({ ...INITIAL_FORM, minAgreement: "lots" })).toEqual({ minAgreement: "lots" });
  });

  it("fills the form back from saved filters", () => {
    const form = { ...INITIAL_FORM, decisions: ["reject" as const], adjudicatedOnly: true, minAgreement: "0.5", tasks: "a, b", subtasks: "c", from: "2026-02-03", through: "2026-02-09", gold: "only" as const };
    const filters = toFilters(form);
    expect(fromFilters(filters, { ...INITIAL_FORM, format: "gold-csv" })).toEqual({ ...form, format: "gold-csv" });
    expect(sameFilters(filters, { ...filters, savedFilterId: 4 })).toBe(true);
    expect(sameFilters(filters, { ...filters, gold: "exclude" })).toBe(false);
    // A saved filter written with UTC days (the CLI) still fills the date boxes.
    expect(fromFilters({ finalizedFrom: "2026-05-01" }, INITIAL_FORM).from).toBe("2026-05-01");
  });
});
