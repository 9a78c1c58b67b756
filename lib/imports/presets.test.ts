import { describe, expect, it } from "vitest";
import { mapRecord, validateMapping } from "./mapping";
import { PRESETS, presetMapping, scaleEditTask, suggestPreset } from "./presets";
import type { TPresetName } from "./types";

const COLUMNS: Record<TPresetName, string[]> = {
  scaleedit: [
    "id",
    "edit_task",
    "edit_instruction",
    "source_image",
    "edited_image",
    "source_image_width",
    "source_image_height",
    "edited_image_width",
    "edited_image_height",
    "instruction_following_score",
    "editing_consistency_score",
    "generation_quality_score",
    // The three the card omits.
    "source_image_url",
    "source_image_sha256",
    "source_image_fetch_date",
  ],
  unicedit: ["key", "edit_task", "edit_subtask", "src_image", "edit_image", "prompt_cn", "prompt_en"],
  omniedit: ["omni_edit_id", "task", "src_img", "edited_img", "edited_prompt_list", "sc_score_1", "sc_score_2", "pq_score", "o_score"],
  magicbrush: ["img_id", "turn_index", "source_img", "mask_img", "instruction", "target_img"],
  ultraedit: ["idx", "edit_prompt", "source_caption", "target_caption", "edit_object", "source_image", "edited_image", "mask_image", "clip_sim_source", "clip_sim_target", "clip_sim_dir", "clip_sim_image", "dinov2_sim", "ssim"],
  imgedit: ["input_images", "output_images", "prompt"],
  gptimageedit: ["id", "image", "conversations"],
  seededit: ["source_image", "target_image", "instruction"],
  anyedit: ["image_id", "edit_instruction", "edit_type", "image_file", "edited_file", "visual_input", "input", "output"],
  hqedit: ["input", "input_image", "edit", "inverse_edit", "output", "output_image"],
  instructpix2pix: ["original_prompt", "original_image", "edit_prompt", "edited_prompt", "edited_image"],
  picobanana: ["open_image_input_url", "text", "output_image", "edit_type", "summarized_text"],
};

describe("presets", () => {
  it("fit the published column names", () => {
    for (const name of Object.keys(PRESETS) as TPresetName[]) {
      expect(validateMapping(PRESETS[name].mapping, COLUMNS[name]), name).toEqual([]);
      expect(suggestPreset(COLUMNS[name]), name).toBe(name);
    }
  });

  it("suggest nothing for an everyday manifest", () => {
    expect(suggestPreset(["id", "instruction", "source", "edited"])).toBeNull();
    expect(suggestPreset([])).toBeNull();
  });

  it("fit a file by dropping absent optional columns and keeping extra ones", () => {
    const m = presetMapping("ultraedit", ["idx", "edit_prompt", "source_image", "edited_image", "clip_sim_dir"]);
    // The similarity columns are the verifier's scores; the ones a split does not ship are dropped.
    expect(m).toMatchObject({ mask: null, metadata: [], scores: { clip_sim_dir: "clip_sim_dir" } });
    expect(validateMapping(m, ["idx", "edit_prompt", "source_image", "edited_image", "clip_sim_dir"])).toEqual([]);
    expect(presetMapping("omniedit", [...COLUMNS.omniedit, "sc_reasoning"]).metadata).toEqual(["sc_reasoning"]);
  });
});

describe("scaleEditTask", () => {
  it("reads the forms ScaleEdit's task names come in", () => {
    const cases: [string, string, string][] = [
      ["object_addition", "object", "addition"],
      ["object/addition", "object", "addition"],
      ["addition", "object", "addition"],
      ["2.1_object_addition", "object", "addition"],
      ["Object Removal", "object", "removal"],
      ["1.1_style_transfer", "global", "style_transfer"],
      ["global/background_replacement", "global", "background_replacement"],
      ["3.1_color_change", "attribute", "color"],
      ["attribute_visual_beautification", "attribute", "visual_beautification"],
      ["4.1_movie_poster_text_editing", "text", "movie_poster"],
      ["text/object_surface", "text", "object_surface"],
      ["object_surface", "text", "object_surface"],
      ["5.4_scientific_reasoning", "knowledge", "scientific_reasoning"],
      ["knowledge/perceptual", "knowledge", "perceptual_reasoning"],
      ["compositional", "compositional", "compositional_editing"],
      ["6.1_compositional_editing", "compositional", "compositional_editing"],
    ];
    for (const [value, task, subtask] of cases) expect(scaleEditTask(value), value).toEqual({ task, subtask });
    expect(scaleEditTask("teleportation")).toBeNull();
  });

  it("keeps an unknown edit_task as the task, with no subtask", () => {
    const values = { id: 1, edit_task: "teleportation", edit_instruction: "Beam it up", source_image: "a.png", edited_image: "b.png" };
    expect(mapRecord(values, PRESETS.scaleedit.mapping)).toMatchObject({ ok: true, candidate: { task: "teleportation", subtask: null } });
  });
});

describe("ScaleEdit as released", () => {
  const mapping = presetMapping("scaleedit", COLUMNS.scaleedit);
  const shardRow = (task: string, id: bigint, extra: Record<string, unknown> = {}) => ({
    id,
    edit_task: task,
    edit_instruction: "Add a hat",
    source_image: new Uint8Array([1, 2, 3]),
    edited_image: new Uint8Array([4, 5, 6]),
    source_image_width: 1024n,
    source_image_height: 768n,
    edited_image_width: 1024n,
    edited_image_height: 768n,
    instruction_following_score: 3n,
    editing_consistency_score: 2n,
    generation_quality_score: 3n,
    source_image_url: "https://example.org/a.jpg",
    source_image_sha256: "AB".repeat(32),
    source_image_fetch_date: "2025-09-14",
    ...extra,
  });

  it("tells rows of two task folders with the same id apart, and still splits the task", () => {
    const a = mapRecord(shardRow("2.1_object_addition", 0n), mapping);
    const b = mapRecord(shardRow("2.2_object_removal", 0n), mapping);
    expect(a).toMatchObject({ ok: true, candidate: { externalId: "2.1_object_addition:0", task: "object", subtask: "addition" } });
    expect(b).toMatchObject({ ok: true, candidate: { externalId: "2.2_object_removal:0", task: "object", subtask: "removal" } });
  });

  it("fetches the URL of a row without source bytes, expecting its sha256, and keeps sizes and the fetch date", () => {
    const r = mapRecord(shardRow("1.1_style_transfer", 5n, { source_image: null }), mapping);
    expect(r).toMatchObject({
      ok: true,
      candidate: {
        source: { kind: "url", url: "https://example.org/a.jpg", sha256: "ab".repeat(32) },
        metadata: { source_image_width: 1024, source_image_height: 768, edited_image_width: 1024, edited_image_height: 768, source_image_fetch_date: "2025-09-14" },
      },
    });
    // Bytes win when the row has them: the hash describes the download, not the embedded copy.
    expect(mapRecord(shardRow("1.1_style_transfer", 6n), mapping)).toMatchObject({ ok: true, candidate: { source: { kind: "bytes" } } });
  });

  it("refuses a row with neither bytes nor URL, or a malformed hash, with the columns named", () => {
    expect(mapRecord(shardRow("x", 1n, { source_image: null, source_image_url: null }), mapping)).toEqual({
      ok: false,
      reason: 'source image is missing: no bytes in column "source_image" and no URL in column "source_image_url"',
    });
    expect(mapRecord(shardRow("x", 1n, { source_image: null, source_image_sha256: "abc" }), mapping)).toEqual({
      ok: false,
      reason: 'column "source_image_sha256": expected a sha256 (64 hexadecimal digits), got "abc"',
    });
    expect(mapRecord(shardRow("x", 1n, { source_image: null, source_image_url: "images/a.jpg" }), mapping)).toEqual({
      ok: false,
      reason: 'column "source_image_url": expected an http(s) URL, got "images/a.jpg"',
    });
  });

  it("fits the card's columns too, without the URL columns", () => {
    const card = COLUMNS.scaleedit.filter((c) => !c.startsWith("source_image_url") && !c.startsWith("source_image_sha") && !c.includes("fetch"));
    const m = presetMapping("scaleedit", card);
    expect(m).toMatchObject({ sourceUrl: null, sourceSha256: null });
    expect(validateMapping(m, card)).toEqual([]);
    expect(mapRecord({ id: 1, edit_task: "t", edit_instruction: "i", source_image: null, edited_image: "b.png" }, m)).toEqual({
      ok: false,
      reason: 'source image is missing (column "source_image")',
    });
  });
});

describe("presetMapping and gold", () => {
  it("maps gold columns a team added to a published layout instead of keeping them as metadata", () => {
    const m = presetMapping("ultraedit", ["edit_prompt", "source_image", "edited_image", "gold", "gold_decision", "gold_reasons"]);
    expect(m).toMatchObject({ gold: "gold", goldDecision: "gold_decision", goldReasons: "gold_reasons" });
    expect(m.goldInstruction).toBeUndefined();
    expect(m.metadata).toEqual([]);
    expect(presetMapping("ultraedit", ["edit_prompt", "source_image", "edited_image"]).gold).toBeUndefined();
  });
});
