import { describe, expect, it } from "vitest";
import { importOutcome, importOutcomeMessage } from "./outcome";

describe("importOutcome", () => {
  it("calls an import that inserted nothing by what happened instead", () => {
    const cases = [
      [{ rowsDone: 4, inserted: 3, duplicates: 0, invalid: 1 }, "imported", "Imported 4 rows: 3 inserted, 0 already present, 1 invalid."],
      [{ rowsDone: 2500, inserted: 0, duplicates: 2500, invalid: 0 }, "nothing-new", "Nothing new: 2,500 rows already present."],
      [{ rowsDone: 1, inserted: 0, duplicates: 1, invalid: 0 }, "nothing-new", "Nothing new: 1 row already present."],
      [{ rowsDone: 5, inserted: 0, duplicates: 0, invalid: 5 }, "nothing-imported", "Nothing inserted: all 5 rows are invalid."],
      [{ rowsDone: 1, inserted: 0, duplicates: 0, invalid: 1 }, "nothing-imported", "Nothing inserted: the only row is invalid."],
      [{ rowsDone: 3, inserted: 0, duplicates: 2, invalid: 1 }, "nothing-imported", "Nothing inserted: 1 row invalid, 2 rows already present."],
      [{ rowsDone: 0, inserted: 0, duplicates: 0, invalid: 0 }, "empty", "The source has no rows: nothing was inserted."],
    ] as const;
    for (const [counts, outcome, message] of cases) {
      expect(importOutcome(counts)).toBe(outcome);
      expect(importOutcomeMessage(counts)).toBe(message);
    }
  });
});
