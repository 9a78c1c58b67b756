import { describe, expect, it } from "vitest";
import { EDIT_KINDS, FLAW_KINDS, FLAW_REASONS, generateDemoPairs } from "./generate";

const pairs = generateDemoPairs(240, 1);

describe("generateDemoPairs", () => {
  it("is deterministic for a seed and differs across seeds", () => {
    expect(JSON.stringify(generateDemoPairs(240, 1))).toBe(JSON.stringify(pairs));
    const other = generateDemoPairs(240, 2);
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(pairs));
  });

  it("gives unique, ordered external ids", () => {
    const ids = pairs.map((p) => p.externalId);
    expect(new Set(ids).size).toBe(240);
    expect(ids[0]).toBe("demo-0001");
    expect(ids[239]).toBe("demo-0240");
  });

  it("covers every edit kind at least 15 times and every flaw at least 8 times", () => {
    for (const kind of EDIT_KINDS) {
      expect(pairs.filter((p) => p.editKind === kind).length, kind).toBeGreaterThanOrEqual(15);
    }
    for (const flaw of FLAW_KINDS) {
      expect(pairs.filter((p) => p.truth.flaw === flaw).length, flaw).toBeGreaterThanOrEqual(8);
    }
  });

  it("flaws about a quarter of the pairs, each with a consistent truth record", () => {
    const flawed = pairs.filter((p) => !p.truth.valid);
    expect(flawed.length / pairs.length).toBeGreaterThanOrEqual(0.2);
    expect(flawed.length / pairs.length).toBeLessThanOrEqual(0.3);
    for (const p of pairs) {
      expect(p.truth.valid).toBe(p.truth.flaw === null);
      expect(p.truth.expectedReasons).toEqual(p.truth.flaw ? FLAW_REASONS[p.truth.flaw] : []);
      expect(p.truth.correctInstruction.length).toBeGreaterThan(0);
      if (p.truth.valid) expect(p.truth.correctInstruction).toBe(p.instruction);
      else expect(p.truth.correctInstruction).not.toBe(p.instruction);
      if (p.truth.flaw === "wrong_text") expect(p.editKind).toBe("text_edit");
      if (p.truth.flaw === "no_edit") expect(p.edited.objects.length).toBe(p.source.objects.length);
      if (p.truth.flaw !== "no_edit") expect(JSON.stringify(p.edited)).not.toBe(JSON.stringify(p.source));
    }
  });

  it("has verifier signals that mostly, but not always, agree with the truth", () => {
    const agree = pairs.filter((p) => p.verifier.valid === p.truth.valid).length / pairs.length;
    expect(agree).toBeGreaterThanOrEqual(0.7);
    expect(agree).toBeLessThanOrEqual(0.95);
    for (const p of pairs) {
      const v = p.verifier;
      for (const s of [v.instructionFollowing, v.editingConsistency, v.generationQuality]) {
        expect([1, 2, 3]).toContain(s);
      }
      expect(v.overall).toBeGreaterThanOrEqual(0);
      expect(v.overall).toBeLessThanOrEqual(10);
      expect(["Normal", "No Edit", "Hallucination"]).toContain(v.failureClass);
      expect(v.failureClass === "Normal").toBe(v.valid);
      expect(v.modelVersion).toBe("demo-verifier-0.1");
      expect(v.recaption.length).toBeGreaterThan(0);
      // A pair the ScaleEdit keep rule keeps is one the verifier calls valid (the converse mostly holds).
      const kept = v.instructionFollowing === 3 && v.editingConsistency >= 2 && v.generationQuality >= 2;
      if (kept) expect(v.valid).toBe(true);
      if (!v.valid) expect(Math.min(v.instructionFollowing, v.editingConsistency, v.generationQuality)).toBe(1);
    }
    const noEdits = pairs.filter((p) => p.truth.flaw === "no_edit" && p.verifier.valid === false);
    expect(noEdits.every((p) => p.verifier.failureClass === "No Edit")).toBe(true);
  });

  it("uses the known task families and subtasks", () => {
    const tasks = new Set(pairs.map((p) => p.task));
    expect([...tasks].every((t) => ["global", "object", "attribute", "text"].includes(t))).toBe(true);
    const subtasks = new Set(pairs.map((p) => p.subtask));
    for (const s of ["Color Alteration", "Subject Addition", "Subject Removal", "Subject Replacement", "Counting Change", "Text Modification"]) {
      expect(subtasks.has(s), s).toBe(true);
    }
  });

  it("scales down: small counts still mix kinds and flaws", () => {
    const small = generateDemoPairs(40, 1);
    expect(small).toHaveLength(40);
    expect(new Set(small.map((p) => p.editKind)).size).toBe(EDIT_KINDS.length);
    const flawed = small.filter((p) => !p.truth.valid).length;
    expect(flawed).toBe(10);
  });
});
