import { describe, expect, it } from "vitest";
import type { TPreviewResponse } from "@/lib/imports/schemas";
import { DEFAULT_VERIFIER_SCALES, SCALE_PRESETS } from "@/lib/quality/scales";
import {
  COMPOSITE_VALUE,
  buildImportRequest,
  columnOptions,
  columnSelectValue,
  mappingFields,
  parseDelimiter,
  undeclaredPresetScores,
  withScorePickers,
  settingsErrors,
  settingsFromPreview,
  type TImportSettings,
} from "./request";

const source = { kind: "upload" as const, uploadId: "6f1c3d1e-3b7a-4c8e-9a51-2d6a0f4b7c11" };

function preview(over: Partial<TPreviewResponse> = {}): TPreviewResponse {
  return {
    format: "csv",
    files: [{ path: "pairs.csv", size: 100 }],
    archives: [],
    columns: ["id", "prompt", "src", "dst"],
    suggestedPreset: null,
    preset: null,
    mapping: { instruction: "prompt", source: "src", edited: "dst", externalId: "id" },
    mappingErrors: [],
    rows: [],
    totalRows: null,
    totalBytes: 100,
    imageCheck: null,
    ...over,
  };
}

const manual: TImportSettings = {
  preset: null,
  mapping: { instruction: "prompt", source: "src", edited: "dst", task: null, mask: "", metadata: [] },
  encoding: "auto",
  delimiter: "",
  imagePathPrefix: "",
  imageBaseUrl: "",
  inverse: false,
};

describe("import request", () => {
  it("asks the server to suggest before any settings exist", () => {
    expect(buildImportRequest(source, null, null)).toEqual({ source });
  });

  it("adopts the suggested preset, else the guessed mapping", () => {
    expect(settingsFromPreview(preview({ suggestedPreset: "unicedit" })).preset).toBe("unicedit");
    expect(settingsFromPreview(preview({ preset: "scaleedit", suggestedPreset: "scaleedit" })).preset).toBe("scaleedit");
    const s = settingsFromPreview(preview());
    expect(s.preset).toBeNull();
    expect(s.mapping).toEqual({ instruction: "prompt", source: "src", edited: "dst", externalId: "id" });
  });

  it("sends a preset without a mapping", () => {
    const r = buildImportRequest(source, { ...manual, preset: "magicbrush" }, "parquet");
    expect(r).toEqual({ source, preset: "magicbrush" });
  });

  it("sends the hand-made mapping without empty targets, keeping an empty metadata list", () => {
    const r = buildImportRequest(source, manual, "jsonl");
    expect(r).toEqual({ source, preset: null, mapping: { instruction: "prompt", source: "src", edited: "dst", metadata: [] } });
  });

  it("adds encoding and delimiter for CSV only, and only when set", () => {
    const csv = { ...manual, encoding: "windows-1252" as const, delimiter: "\\t" };
    expect(buildImportRequest(source, csv, "csv")).toMatchObject({ encoding: "windows-1252", delimiter: "\t" });
    expect(buildImportRequest(source, csv, "jsonl")).not.toHaveProperty("encoding");
    expect(buildImportRequest(source, manual, "csv")).not.toHaveProperty("delimiter");
    expect(buildImportRequest(source, manual, "csv")).not.toHaveProperty("encoding");
  });

  it("is stable for equal settings (it keys the preview cache)", () => {
    const a = JSON.stringify(buildImportRequest(source, settingsFromPreview(preview()), "csv"));
    const b = JSON.stringify(buildImportRequest(source, settingsFromPreview(preview()), "csv"));
    expect(a).toBe(b);
  });
});

describe("settings errors", () => {
  it("names each missing required column", () => {
    const errors = settingsErrors({ ...manual, mapping: { instruction: "prompt", source: null } }, "jsonl");
    expect(errors).toEqual(["Choose the column for Source image.", "Choose the column for Edited image."]);
  });
  it("ignores the mapping while a preset is chosen", () => {
    expect(settingsErrors({ ...manual, preset: "omniedit", mapping: {} }, "parquet")).toEqual([]);
  });
  it("checks the CSV delimiter", () => {
    expect(settingsErrors({ ...manual, delimiter: ";;" }, "csv")).toHaveLength(1);
    expect(settingsErrors({ ...manual, delimiter: ";;" }, "jsonl")).toEqual([]);
  });
});

describe("delimiter", () => {
  it("parses empty, tab and single characters", () => {
    expect(parseDelimiter("")).toBeUndefined();
    expect(parseDelimiter("\\t")).toBe("\t");
    expect(parseDelimiter("TAB")).toBe("\t");
    expect(parseDelimiter(";")).toBe(";");
    expect(parseDelimiter("|")).toBe("|");
    expect(parseDelimiter(";,")).toBeNull();
  });
});

describe("column selects", () => {
  it("shows none, one column or a composite id", () => {
    expect(columnSelectValue(null)).toBe("");
    expect(columnSelectValue(undefined)).toBe("");
    expect(columnSelectValue("id")).toBe("id");
    expect(columnSelectValue(["id"])).toBe("id");
    expect(columnSelectValue(["img_id", "turn_index"])).toBe(COMPOSITE_VALUE);
  });
  it("keeps a mapped column the file lacks so it shows as chosen", () => {
    expect(columnOptions(["a", "b"], "c")).toEqual(["a", "b", "c"]);
    expect(columnOptions(["a", "b"], "a")).toEqual(["a", "b"]);
    expect(columnOptions(["a"], ["x", "y"])).toEqual(["a"]);
  });
});

describe("image path settings", () => {
  it("become the request's options only when set, and a base URL must be one", () => {
    const settings: TImportSettings = { ...settingsFromPreview(preview()), imagePathPrefix: " hqedit/edit ", imageBaseUrl: "", inverse: true };
    expect(buildImportRequest(source, settings, "json").options).toEqual({ imagePathPrefix: "hqedit/edit", inverse: true });
    expect(buildImportRequest(source, settingsFromPreview(preview()), "json").options).toBeUndefined();
    expect(settingsErrors({ ...settings, imageBaseUrl: "cdn.example/nb" }, "json")).toEqual(["The image base URL must start with http:// or https:// and name a host."]);
    expect(settingsErrors({ ...settings, imageBaseUrl: "https://cdn.example/nb/" }, "json")).toEqual([]);
  });
});

describe("score pickers", () => {
  it("offer one select per declared score column, with its scale, where the verifier's fields are", () => {
    const labels = (scales: Parameters<typeof mappingFields>[0]) => mappingFields(scales).map((f) => f.label);
    const scaleedit = labels(DEFAULT_VERIFIER_SCALES);
    expect(scaleedit.filter((l) => l.startsWith("Verifier score:"))).toEqual([
      "Verifier score: IF (1–3, higher is better)",
      "Verifier score: EC (1–3, higher is better)",
      "Verifier score: GQ (1–3, higher is better)",
      "Verifier score: Overall (0–10, higher is better)",
    ]);
    expect(scaleedit.indexOf("Verifier score: IF (1–3, higher is better)")).toBe(scaleedit.indexOf("Verifier: valid flag") - 4);
    const lpips = { key: "lpips", label: "LPIPS", min: 0, max: 1, higherIsBetter: false, keep: 0.4 };
    expect(labels([lpips]).filter((l) => l.startsWith("Verifier score:"))).toEqual(["Verifier score: LPIPS (0–1, lower is better)"]);
    expect(mappingFields(SCALE_PRESETS.omniedit.scales).filter((f) => f.kind === "score").map((f) => f.kind === "score" && f.key)).toEqual([
      "sc_score_1", "sc_score_2", "pq_score", "o_score",
    ]);
    // No declaration: no score pickers, and the older ScaleEdit fields are never offered.
    const none = mappingFields([]);
    expect(none.some((f) => f.kind === "score")).toBe(false);
    expect(none.map((f) => f.kind === "field" && f.field)).not.toContain("vsInstructionFollowing");
    expect(none.map((f) => f.label)).toContain("Verifier version");
  });

  it("are pre-filled from the mapping's scores or older spellings, else guessed by name, and sent as scores", () => {
    const columns = ["id", "prompt", "src", "dst", "instruction_following_score", "EC", "gq_score", "note"];
    const draft = withScorePickers(
      { instruction: "prompt", source: "src", edited: "dst", vsInstructionFollowing: "instruction_following_score", scores: { clip_sim_dir: "x" }, metadata: ["EC", "gq_score", "note"] },
      columns,
      DEFAULT_VERIFIER_SCALES,
    );
    expect(draft).toEqual({
      instruction: "prompt", source: "src", edited: "dst",
      scores: { instruction_following: "instruction_following_score", editing_consistency: "EC", generation_quality: "gq_score" },
      metadata: ["note"],
    });
    const r = buildImportRequest(source, { ...manual, mapping: draft }, "jsonl");
    expect(r.mapping).toMatchObject({ scores: { instruction_following: "instruction_following_score", editing_consistency: "EC", generation_quality: "gq_score" } });
    expect(r.mapping).not.toHaveProperty("vsInstructionFollowing");
    // Adopted from the first preview with the project's declaration.
    const s = settingsFromPreview(preview({ columns: ["prompt", "src", "dst", "sc_score_1", "pq_score"] }), SCALE_PRESETS.omniedit.scales);
    expect(s.mapping.scores).toEqual({ sc_score_1: "sc_score_1", pq_score: "pq_score" });
  });

  it("name the preset's score columns the project does not declare", () => {
    expect(undeclaredPresetScores("omniedit", DEFAULT_VERIFIER_SCALES)).toEqual(["sc_score_1", "sc_score_2", "pq_score", "o_score"]);
    expect(undeclaredPresetScores("omniedit", SCALE_PRESETS.omniedit.scales)).toEqual([]);
    expect(undeclaredPresetScores("scaleedit", DEFAULT_VERIFIER_SCALES)).toEqual([]);
    expect(undeclaredPresetScores("magicbrush", [])).toEqual([]);
    expect(undeclaredPresetScores(null, [])).toEqual([]);
  });
});
