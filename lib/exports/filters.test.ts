import { describe, expect, it } from "vitest";
import { InvalidError } from "../errors";
import { describeFilters, filterWhere, hasConstraints, instantOf, parseExportFilters } from "./filters";

describe("export filters", () => {
  it("normalizes: defaults dropped, lists deduplicated and sorted", () => {
    expect(parseExportFilters({})).toEqual({});
    expect(parseExportFilters({ decisions: ["accept", "reject", "recaption"], gold: "include", minAgreement: 0, adjudicatedOnly: false })).toEqual({});
    expect(parseExportFilters({ decisions: ["recaption", "accept", "accept"], tasks: ["b", " a ", "b"] })).toEqual({ decisions: ["accept", "recaption"], tasks: ["a", "b"] });
    expect(hasConstraints({ savedFilterId: 3 })).toBe(false);
    expect(hasConstraints({ gold: "exclude" })).toBe(true);
  });

  it("refuses bad filters with one sentence naming the field", () => {
    const bad: [unknown, string][] = [
      [{ minAgreement: 1.5 }, "Export filters are not valid. Minimum agreement must be a number between 0 and 1."],
      [{ minAgreement: "high" }, "Export filters are not valid. Minimum agreement must be a number between 0 and 1."],
      [{ decisions: [] }, "Export filters are not valid. Final decisions must name at least one, or be left out."],
      [{ decisions: ["maybe"] }, "Export filters are not valid. Final decisions must each be accept, reject or recaption."],
      [{ tasks: [""] }, "Export filters are not valid. Tasks cannot hold an empty name."],
      [{ finalizedFrom: "last week" }, "Export filters are not valid. Finalised from must be a date (YYYY-MM-DD) or an ISO timestamp such as 2026-01-31T18:00:00Z."],
      [{ finalizedFrom: "2026-03-01", finalizedBefore: "2026-03-01" }, "Export filters are not valid. The date range is empty: no pair can be finalised from 2026-03-01 and before 2026-03-01."],
      [{ gold: "some" }, "Export filters are not valid. Gold must be include, exclude or only."],
    ];
    for (const [raw, message] of bad) {
      let err: unknown;
      try {
        parseExportFilters(raw);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(raw)).toBeInstanceOf(InvalidError);
      expect((err as Error).message).toBe(message);
    }
  });

  it("builds a parameterized WHERE, numbering placeholders after the caller's", () => {
    const values: unknown[] = ["project"];
    const sql = filterWhere(parseExportFilters({
      decisions: ["accept"], adjudicatedOnly: true, minAgreement: 0.8, tasks: ["x'; DROP TABLE pairs; --"], subtasks: ["s"],
      finalizedFrom: "2026-01-01", finalizedBefore: "2026-02-01T00:00:00+02:00", gold: "exclude",
    }), values);
    expect(sql).toBe(
      ` AND p.final_decision = ANY($2::text[]::"Decision"[]) AND p.final_source = 'review' AND p.agreement >= $3::real` +
      ` AND p.task = ANY($4::text[]) AND p.subtask = ANY($5::text[]) AND p.finalized_at >= $6::timestamptz` +
      ` AND p.finalized_at < $7::timestamptz AND NOT p.is_gold`,
    );
    expect(values).toEqual(["project", ["accept"], 0.8, ["x'; DROP TABLE pairs; --"], ["s"], "2026-01-01T00:00:00.000Z", "2026-01-31T22:00:00.000Z"]);
    expect(filterWhere({ gold: "only" }, [])).toBe(" AND p.is_gold");
  });

  it("reads a day as UTC midnight, never the server's zone", () => {
    expect(instantOf("2026-07-04")).toBe("2026-07-04T00:00:00.000Z");
    expect(instantOf("2026-07-04T10:00:00-05:00")).toBe("2026-07-04T15:00:00.000Z");
  });

  it("describes filters in a few words", () => {
    expect(describeFilters({})).toBe("all final pairs");
    expect(describeFilters({ decisions: ["accept", "recaption"], adjudicatedOnly: true, minAgreement: 0.6, subtasks: ["color"], finalizedFrom: "2026-01-01", gold: "only" }))
      .toBe("accept or re-caption · adjudicated only · agreement ≥ 0.6 · subtask color · finalised from 2026-01-01 · gold only");
  });
});
