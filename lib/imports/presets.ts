// Known dataset layouts; pure, as the admin UI lists the presets and shows what they map.
import type { TImportFormat, TMapping, TPresetName } from "./types";
import { SCALE_PRESETS, type TVerifierScale } from "../quality/scales";

export interface TPreset {
  label: string;
  description: string;
  /** The format the dataset is published in (a hint; detection still decides). */
  format: TImportFormat;
  mapping: TMapping;
  /** Columns that identify the layout; suggestPreset needs all of them. */
  signature: string[];
  /** Where its images live when they are not in the rows: the archives to give the import, in words for the admin. */
  images?: string;
  /** The verifier score columns the dataset ships (the project's declaration to use with it, lib/quality/scales.ts). */
  scales?: readonly TVerifierScale[];
  /** The column the `inverse` import option maps to the inverse instruction (a second, reversed pair per row). */
  inverseColumn?: string;
}

export const PRESETS: Record<TPresetName, TPreset> = {
  scaleedit: {
    label: "ScaleEdit-12M",
    description:
      "Parquet with embedded image bytes and three 1-3 inspector scores. The id is edit_task:id (id restarts in every task folder); " +
      "a row without source bytes fetches source_image_url and checks it against source_image_sha256; edit_task is split into a task family and subtask.",
    format: "parquet",
    signature: ["id", "edit_task", "edit_instruction", "source_image", "edited_image"],
    scales: SCALE_PRESETS.scaleedit.scales,
    mapping: {
      // `id` restarts at 0 in each of the 23 task folders: only the task and the id together are unique.
      externalId: ["edit_task", "id"],
      instruction: "edit_instruction",
      task: "edit_task",
      taskTaxonomy: "scaleedit",
      source: "source_image",
      edited: "edited_image",
      sourceUrl: "source_image_url",
      sourceSha256: "source_image_sha256",
      vsInstructionFollowing: "instruction_following_score",
      vsEditingConsistency: "editing_consistency_score",
      vsGenerationQuality: "generation_quality_score",
      metadata: [
        "edit_task",
        "source_image_width",
        "source_image_height",
        "edited_image_width",
        "edited_image_height",
        "source_image_url",
        "source_image_sha256",
        "source_image_fetch_date",
      ],
      dedupe: "externalId",
    },
  },
  unicedit: {
    label: "UnicEdit-10M",
    description:
      "Parquet with image structs {bytes, path}, English and Chinese prompts. Its key is not unique, so pairs are told apart by key and both images.",
    format: "parquet",
    signature: ["key", "src_image", "edit_image", "prompt_en"],
    mapping: {
      externalId: "key",
      instruction: "prompt_en",
      instructionCn: "prompt_cn",
      task: "edit_task",
      subtask: "edit_subtask",
      source: "src_image",
      edited: "edit_image",
      metadata: [],
      dedupe: "externalIdAndImages",
    },
  },
  omniedit: {
    label: "OmniEdit",
    description:
      "The first of edited_prompt_list is the instruction (the others are kept in metadata); sc_score_1, sc_score_2, pq_score and o_score (0-10) are the verifier's scores.",
    format: "parquet",
    signature: ["omni_edit_id", "src_img", "edited_img", "edited_prompt_list"],
    scales: SCALE_PRESETS.omniedit.scales,
    mapping: {
      externalId: "omni_edit_id",
      instruction: "edited_prompt_list",
      task: "task",
      source: "src_img",
      edited: "edited_img",
      scores: { sc_score_1: "sc_score_1", sc_score_2: "sc_score_2", pq_score: "pq_score", o_score: "o_score" },
      metadata: [],
      dedupe: "externalId",
    },
  },
  magicbrush: {
    label: "MagicBrush",
    description:
      "Multi-turn sessions (img_id is the session, turn_index the turn: turn n edits turn n-1's output); the id is img_id and turn_index joined by a colon. " +
      "mask_img is an RGBA image whose transparent area is the edit region, at any resolution.",
    format: "parquet",
    signature: ["img_id", "turn_index", "source_img", "target_img", "instruction"],
    mapping: {
      externalId: ["img_id", "turn_index"],
      instruction: "instruction",
      source: "source_img",
      edited: "target_img",
      mask: "mask_img",
      sessionId: "img_id",
      turn: "turn_index",
      metadata: [],
      dedupe: "externalId",
    },
  },
  ultraedit: {
    label: "UltraEdit",
    description:
      "The id is idx, which restarts in every split, so pairs are told apart by idx and both images. The CLIP, DINOv2 and SSIM similarities (0-1) are the verifier's scores; FreeForm splits have no mask.",
    format: "parquet",
    signature: ["idx", "edit_prompt", "source_image", "edited_image"],
    scales: SCALE_PRESETS.ultraedit.scales,
    mapping: {
      externalId: "idx",
      instruction: "edit_prompt",
      source: "source_image",
      edited: "edited_image",
      mask: "mask_image",
      scores: Object.fromEntries(SCALE_PRESETS.ultraedit.scales.map((c) => [c.key, c.key])),
      metadata: [],
      dedupe: "externalIdAndImages",
    },
  },
  imgedit: {
    label: "ImgEdit",
    description:
      "Single-turn Parquet parts: the first of input_images and output_images, which are paths inside the split tar archives; the id is the output image's path.",
    format: "parquet",
    signature: ["input_images", "output_images", "prompt"],
    images: "the *.tar.split.000… archives (import the folder holding both, or name them as archives)",
    mapping: {
      externalId: null,
      externalIdFromImage: "edited",
      instruction: "prompt",
      source: "input_images",
      sourceIndex: 0,
      edited: "output_images",
      editedIndex: 0,
      metadata: [],
      dedupe: "externalId",
    },
  },
  gptimageedit: {
    label: "GPT-Image-Edit-1.5M",
    description:
      "JSON-array annotations (LLaVA style): image[0] is the input, image[1] the output, the instruction is the human turn; the id is the output's path. Images are in the split tar.gz archives.",
    format: "json",
    signature: ["image", "conversations"],
    images: "gpt-edit/<subset>.tar.gz.part000… (set the image path prefix to the subset's folder, e.g. hqedit/edit)",
    mapping: {
      externalId: null,
      externalIdFromImage: "edited",
      instruction: "conversations",
      source: "image",
      sourceIndex: 0,
      edited: "image",
      editedIndex: 1,
      metadata: [],
      dedupe: "externalId",
    },
  },
  seededit: {
    label: "SEED-Data-Edit",
    description: "JSONL annotations whose image paths point into images.tar.gz; the id is the target image's path.",
    format: "jsonl",
    signature: ["source_image", "target_image", "instruction"],
    images: "images.tar.gz beside the annotations",
    mapping: {
      externalId: null,
      externalIdFromImage: "edited",
      instruction: "instruction",
      source: "source_image",
      edited: "target_image",
      metadata: [],
      dedupe: "externalId",
    },
  },
  anyedit: {
    label: "AnyEdit",
    description:
      "image_file → edited_file with edit_instruction; edit_type is the task; visual_input (the third image of visual edits) is kept as the reference image. input and output are captions, kept in metadata.",
    format: "parquet",
    signature: ["image_id", "edit_instruction", "edit_type", "image_file", "edited_file"],
    mapping: {
      externalId: "image_id",
      instruction: "edit_instruction",
      task: "edit_type",
      source: "image_file",
      edited: "edited_file",
      reference: "visual_input",
      metadata: ["input", "output"],
      dedupe: "externalId",
    },
  },
  hqedit: {
    label: "HQ-Edit",
    description:
      "input_image → output_image with edit; no id column, so each pair's id comes from its images. The inverse option adds the reversed pair (output → input with inverse_edit).",
    format: "parquet",
    signature: ["input_image", "output_image", "edit", "inverse_edit"],
    inverseColumn: "inverse_edit",
    mapping: {
      externalId: null,
      instruction: "edit",
      source: "input_image",
      edited: "output_image",
      metadata: ["input", "output", "inverse_edit"],
      dedupe: "externalId",
    },
  },
  instructpix2pix: {
    label: "InstructPix2Pix",
    description: "original_image → edited_image with edit_prompt; no id column, so each pair's id comes from its images. The captions go to metadata.",
    format: "parquet",
    signature: ["original_image", "edited_image", "edit_prompt"],
    mapping: {
      externalId: null,
      instruction: "edit_prompt",
      source: "original_image",
      edited: "edited_image",
      metadata: ["original_prompt", "edited_prompt"],
      dedupe: "externalId",
    },
  },
  picobanana: {
    label: "Pico-Banana-400K",
    description:
      "sft.jsonl or preference.jsonl: the source is a Flickr URL, output_image a path on the publisher's CDN (the base URL); the id is that path. A preference row's failed edit stays in metadata.",
    format: "jsonl",
    signature: ["open_image_input_url", "text", "output_image"],
    mapping: {
      externalId: null,
      externalIdFromImage: "edited",
      instruction: "text",
      task: "edit_type",
      source: "open_image_input_url",
      edited: "output_image",
      imageBaseUrl: "https://ml-site.cdn-apple.com/datasets/pico-banana-300k/nb/",
      metadata: ["summarized_text"],
      dedupe: "externalId",
    },
  },
};

/** Gold columns, best first: no published dataset has them; teams add them to whatever layout they use. */
export const GOLD_COLUMN_NAMES = {
  gold: ["gold", "is_gold", "gold_pair"],
  goldDecision: ["gold_decision", "expected_decision", "gold_answer"],
  goldReasons: ["gold_reasons", "expected_reasons", "gold_reject_reasons"],
  goldInstruction: ["gold_instruction", "reference_recaption", "gold_recaption", "reference_instruction", "expected_instruction"],
} as const satisfies Record<"gold" | "goldDecision" | "goldReasons" | "goldInstruction", readonly string[]>;

export const normalizeColumnName = (c: string) => c.trim().toLowerCase().replace(/[\s-]+/g, "_");

export function goldColumns(columns: string[]): Partial<Record<keyof typeof GOLD_COLUMN_NAMES, string>> {
  const byName = new Map<string, string>();
  for (const c of columns) if (!byName.has(normalizeColumnName(c))) byName.set(normalizeColumnName(c), c);
  const out: Partial<Record<keyof typeof GOLD_COLUMN_NAMES, string>> = {};
  for (const [target, names] of Object.entries(GOLD_COLUMN_NAMES) as [keyof typeof GOLD_COLUMN_NAMES, readonly string[]][]) {
    const hit = names.map((n) => byName.get(n)).find((c) => c !== undefined);
    if (hit) out[target] = hit;
  }
  return out;
}

/** The preset whose signature columns are all present (the most specific one if several fit). */
export function suggestPreset(columns: string[]): TPresetName | null {
  const have = new Set(columns);
  let best: TPresetName | null = null;
  for (const name of Object.keys(PRESETS) as TPresetName[]) {
    const { signature } = PRESETS[name];
    if (!signature.every((c) => have.has(c))) continue;
    if (!best || signature.length > PRESETS[best].signature.length) best = name;
  }
  return best;
}

/** Mapping keys that name columns (the others are options: indexes, prefixes, URLs, flags). */
const COLUMN_KEYS = new Set<string>([
  "externalId", "instruction", "instructionCn", "task", "subtask", "source", "edited", "sourceUrl", "sourceSha256", "mask", "reference", "inverseInstruction",
  "vsInstructionFollowing", "vsEditingConsistency", "vsGenerationQuality", "vsOverall", "verifierValid", "verifierFailureClass",
  "verifierRecaption", "modelVersion", "gold", "goldDecision", "goldReasons", "goldInstruction", "sessionId", "turn",
]);

function mappedColumns(mapping: TMapping): Set<string> {
  const used = new Set<string>(mapping.metadata ?? []);
  for (const [key, value] of Object.entries(mapping)) {
    if (!COLUMN_KEYS.has(key)) continue;
    if (typeof value === "string") used.add(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") used.add(v);
  }
  for (const column of Object.values(mapping.scores ?? {})) used.add(column);
  return used;
}

/** A preset fitted to one file: metadata keeps every column the preset does not map, so nothing is dropped. */
export function presetMapping(name: TPresetName, columns: string[]): TMapping {
  // Gold columns a team added to a published layout are mapped, not buried in metadata.
  const base = { ...PRESETS[name].mapping, ...goldColumns(columns) };
  const have = new Set(columns);
  const used = mappedColumns(base);
  const metadata = (base.metadata ?? []).filter((c) => have.has(c));
  for (const c of columns) if (!used.has(c)) metadata.push(c);
  const mapping: TMapping = { ...base, metadata };
  for (const key of ["mask", "reference", "instructionCn", "task", "subtask", "sourceUrl", "sourceSha256", "vsInstructionFollowing", "vsEditingConsistency", "vsGenerationQuality", "vsOverall", "sessionId", "turn"] as const) {
    const col = mapping[key];
    if (col && !have.has(col)) mapping[key] = null;
  }
  // Score columns a split does not ship (UltraEdit's are the same in every split, but a file may drop some).
  if (mapping.scores) mapping.scores = Object.fromEntries(Object.entries(mapping.scores).filter(([, c]) => have.has(c)));
  return mapping;
}

/** ScaleEdit's task families and their subtasks. */
export const SCALEEDIT_TAXONOMY: Record<string, readonly string[]> = {
  global: ["style_transfer", "tone_adjustment", "viewpoint_transformation", "background_replacement"],
  object: ["addition", "removal", "replacement", "action_editing", "part_extraction"],
  attribute: ["color", "material", "visual_beautification", "count", "size"],
  text: ["movie_poster", "gui_interface", "object_surface", "building_surface"],
  knowledge: ["perceptual_reasoning", "symbolic_reasoning", "social_reasoning", "scientific_reasoning"],
  compositional: ["compositional_editing"],
};

// Every spelling seen or plausible for a subtask: "2.1_object_addition" (the dataset's folders),
// "object/addition", "addition", "color_change", "movie_poster_text_editing", "perceptual".
const SCALEEDIT_LOOKUP: Map<string, { task: string; subtask: string }> = (() => {
  const lookup = new Map<string, { task: string; subtask: string }>();
  for (const [family, subtasks] of Object.entries(SCALEEDIT_TAXONOMY)) {
    for (const subtask of subtasks) {
      const entry = { task: family, subtask };
      const stem = subtask.replace(/_(reasoning|editing)$/, "");
      const names = [subtask, stem, `${stem}_change`, `${stem}_alteration`, `${stem}_editing`, `${stem}_text_editing`, `${stem}_text`];
      for (const n of names) {
        if (!lookup.has(n)) lookup.set(n, entry);
        lookup.set(`${family}_${n}`, entry);
      }
    }
  }
  return lookup;
})();

/** Splits a ScaleEdit edit_task into its family and subtask; null when it is not a known one. */
export function scaleEditTask(value: string): { task: string; subtask: string } | null {
  const key = value
    .trim()
    .toLowerCase()
    .replace(/^\d+(?:\.\d+)*[\s_\-.]*/, "")
    .replace(/[\s\-/:.]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return SCALEEDIT_LOOKUP.get(key) ?? null;
}
