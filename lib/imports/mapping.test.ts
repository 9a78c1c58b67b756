import { describe, expect, it } from "vitest";
import { describeValue, guessMapping, mapRecord, recordIdOf, validateMapping } from "./mapping";
import type { TMapping, TMapResult } from "./types";

const base: TMapping = { externalId: "id", instruction: "instruction", source: "src", edited: "dst" };
const row = (extra: Record<string, unknown> = {}) => ({ id: "p1", instruction: " Add a hat ", src: "a/1.png", dst: "https://cdn.example/1.png", ...extra });

function reason(r: TMapResult): string {
  if (r.ok) throw new Error("expected the row to be refused");
  return r.reason;
}
function candidate(r: TMapResult) {
  if (!r.ok) throw new Error(`expected a candidate, got: ${r.reason}`);
  return r.candidate;
}

describe("mapRecord: images", () => {
  it("tells bytes, structs, URLs, data URLs and paths apart", () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const m: TMapping = { ...base, mask: "mask" };
    expect(candidate(mapRecord(row(), m))).toMatchObject({
      source: { kind: "path", path: "a/1.png" },
      edited: { kind: "url", url: "https://cdn.example/1.png" },
      mask: null,
    });
    const c = candidate(mapRecord(row({ src: Buffer.from(bytes), dst: { bytes, path: "x.png" }, mask: { bytes: null, path: "m.png" } }), m));
    expect(c.source).toEqual({ kind: "bytes", bytes: Buffer.from(bytes) });
    expect(c.edited).toEqual({ kind: "bytes", bytes });
    expect(c.mask).toEqual({ kind: "path", path: "m.png" });
    expect(candidate(mapRecord(row({ src: "HTTP://Example.com/a.jpg", dst: "data:image/png;base64,AQID" }), base))).toMatchObject({
      source: { kind: "url", url: "HTTP://Example.com/a.jpg" },
      edited: { kind: "bytes", bytes },
    });
  });

  it("refuses missing and unusable images", () => {
    expect(reason(mapRecord(row({ src: undefined }), base))).toBe('source image is missing (column "src")');
    expect(reason(mapRecord(row({ src: "  " }), base))).toBe('source image is missing (column "src")');
    expect(reason(mapRecord(row({ dst: { bytes: new Uint8Array(), path: null } }), base))).toBe('edited image is missing (column "dst")');
    expect(reason(mapRecord(row({ src: "a\u0000b.png" }), base))).toBe('column "src": the image path contains a NUL character');
    expect(reason(mapRecord(row({ src: "p/".repeat(2049) }), base))).toBe('column "src": the image reference is longer than 4096 characters');
    expect(reason(mapRecord(row({ src: 12 }), base))).toBe('column "src": expected image bytes, a path or a URL, got 12');
  });
});

describe("mapRecord: a source URL when the source is empty", () => {
  const m: TMapping = { ...base, sourceUrl: "url", sourceSha256: "sha" };
  it("uses the URL only when the source column is empty, and needs the sha256 column only to check it", () => {
    expect(candidate(mapRecord(row({ url: "https://x.example/a.jpg" }), m)).source).toEqual({ kind: "path", path: "a/1.png" });
    expect(candidate(mapRecord(row({ src: null, url: "https://x.example/a.jpg" }), m)).source).toEqual({ kind: "url", url: "https://x.example/a.jpg" });
    expect(validateMapping({ ...base, sourceSha256: "sha" }, ["id", "instruction", "src", "dst", "sha"])).toEqual([
      "The source image's sha256 checks a download: choose the column of the source image URL too.",
    ]);
  });
});

describe("mapRecord: text and ids", () => {
  it("trims text, stringifies numeric ids and joins composite ids", () => {
    expect(candidate(mapRecord(row({ id: 42n }), base))).toMatchObject({ externalId: "42", instruction: "Add a hat" });
    expect(candidate(mapRecord(row({ id: 7 }), base)).externalId).toBe("7");
    expect(candidate(mapRecord(row({ img: "327726", turn: 0 }), { ...base, externalId: ["img", "turn"] })).externalId).toBe("327726:0");
    expect(candidate(mapRecord(row(), { ...base, externalId: null })).externalId).toBeNull();
  });

  it("refuses a missing or oversized instruction or id", () => {
    expect(reason(mapRecord(row({ instruction: "   " }), base))).toBe('column "instruction": the instruction is missing');
    expect(reason(mapRecord(row({ instruction: "x".repeat(10_001) }), base))).toBe('column "instruction": the instruction is longer than 10000 characters');
    expect(candidate(mapRecord(row({ instruction: "x".repeat(10_000) }), base)).instruction).toHaveLength(10_000);
    expect(reason(mapRecord(row({ id: "" }), base))).toBe('column "id": the id is missing');
    expect(reason(mapRecord(row({ id: "i".repeat(513) }), base))).toBe('column "id": the id is longer than 512 characters');
    expect(reason(mapRecord(row({ instruction: { text: "hi" } }), base))).toBe('column "instruction": expected text, got {"text":"hi"}');
  });

  it("takes the first of a list of instructions, also from a JSON string", () => {
    const fromList = candidate(mapRecord(row({ instruction: ["Remove the dog", " Erase the dog ", ""] }), base));
    expect(fromList.instruction).toBe("Remove the dog");
    expect(fromList.metadata).toEqual({ alternative_instructions: ["Erase the dog"] });
    const fromJson = candidate(mapRecord(row({ instruction: '["Remove the dog", "Erase it"]' }), base));
    expect(fromJson).toMatchObject({ instruction: "Remove the dog", metadata: { alternative_instructions: ["Erase it"] } });
    expect(candidate(mapRecord(row({ instruction: "[draft] add a hat" }), base)).instruction).toBe("[draft] add a hat");
    expect(reason(mapRecord(row({ instruction: [] }), base))).toBe('column "instruction": the instruction is missing');
  });

  it("decodes text that a Parquet writer left as bytes", () => {
    expect(candidate(mapRecord(row({ instruction: new TextEncoder().encode("Add a hat") }), base)).instruction).toBe("Add a hat");
  });
});

describe("mapRecord: verifier signals", () => {
  // The older ScaleEdit spelling for IF, the declared-key map for the rest.
  const m: TMapping = { ...base, vsInstructionFollowing: "if", scores: { o_score: "overall" }, verifierValid: "valid" };
  const scales = [
    { key: "instruction_following", label: "Instruction following (IF)", min: 1, max: 3, higherIsBetter: true, keep: 3 },
    { key: "o_score", label: "Overall", min: 0, max: 10, higherIsBetter: true, keep: null },
  ];

  it("accepts numbers, bigints and numeric strings, keyed by the declared score keys", () => {
    expect(candidate(mapRecord(row({ if: "2", overall: "7.25", valid: "yes" }), m))).toMatchObject({ scores: { instruction_following: 2, o_score: 7.25 }, verifierValid: true });
    expect(candidate(mapRecord(row({ if: 3n, overall: 1, valid: 0 }), m))).toMatchObject({ scores: { instruction_following: 3, o_score: 1 }, verifierValid: false });
    expect(candidate(mapRecord(row({ if: 1.0, valid: "FALSE" }), m))).toMatchObject({ scores: { instruction_following: 1 }, verifierValid: false });
    expect(candidate(mapRecord(row({ if: "", valid: true }), m))).toMatchObject({ scores: null, verifierValid: true });
  });

  it("names the column and the value when refusing, and the scale a score is outside", () => {
    expect(reason(mapRecord(row({ if: "abc" }), m))).toBe('column "if": expected a number, got "abc"');
    expect(reason(mapRecord(row({ if: 0 }), m, { scales }))).toBe('column "if": expected a score from 1 to 3 (Instruction following (IF)), got 0');
    expect(reason(mapRecord(row({ overall: 10.5 }), m, { scales }))).toBe('column "overall": expected a score from 0 to 10 (Overall), got 10.5');
    expect(candidate(mapRecord(row({ if: 2.5 }), m, { scales }))).toMatchObject({ scores: { instruction_following: 2.5 } });
    expect(reason(mapRecord(row({ overall: "high" }), m))).toBe('column "overall": expected a number, got "high"');
    expect(reason(mapRecord(row({ valid: "maybe" }), m))).toBe('column "valid": expected true/false, yes/no or 1/0, got "maybe"');
    expect(reason(mapRecord(row({ if: "z".repeat(500) }), m))).toMatch(/^column "if": expected a number, got "z{59}…"$/);
  });
});

describe("mapRecord: metadata", () => {
  it("copies listed columns as JSON-safe values and never copies bytes", () => {
    const m: TMapping = { ...base, metadata: ["big", "huge", "bytes", "when", "struct", "nan", "nul", "absent", "nothing"] };
    const { metadata } = candidate(
      mapRecord(
        row({
          big: 12n,
          huge: 2n ** 64n,
          bytes: new Uint8Array(10),
          when: new Date("2024-05-01T00:00:00Z"),
          struct: { bytes: new Uint8Array(3), path: "x.png", sizes: [1n, 2n] },
          nan: Number.NaN,
          nul: "a\u0000b",
          nothing: null,
        }),
        m,
      ),
    );
    expect(metadata).toEqual({
      big: 12,
      huge: "18446744073709551616",
      when: "2024-05-01T00:00:00.000Z",
      struct: { path: "x.png", sizes: [1, 2] },
      nan: null,
      nul: "ab",
      nothing: null,
    });
    expect(() => JSON.stringify(metadata)).not.toThrow();
  });
});

describe("describeValue", () => {
  it("makes cells short and readable", () => {
    expect(describeValue(new Uint8Array(35_021))).toBe("<binary 34.2 KB>");
    expect(describeValue(new Uint8Array(12))).toBe("<binary 12 B>");
    expect(describeValue("x".repeat(500))).toHaveLength(200);
    expect(describeValue("x".repeat(500)).endsWith("…")).toBe(true);
    expect(describeValue({ bytes: new Uint8Array(2048), path: "a.png" })).toBe('{"bytes":"<binary 2.0 KB>","path":"a.png"}');
    expect(describeValue(["a", 1n])).toBe('["a",1]');
    expect(describeValue(undefined)).toBe("");
    expect(describeValue(3)).toBe("3");
    expect(describeValue({ long: "y".repeat(400) })).toHaveLength(200);
  });
});

describe("validateMapping", () => {
  const columns = ["id", "instruction", "src", "dst", "score"];

  it("accepts a mapping that fits", () => {
    expect(validateMapping({ ...base, vsOverall: "score", metadata: ["score"] }, columns)).toEqual([]);
  });

  it("asks for required targets and names unknown columns", () => {
    expect(validateMapping({ instruction: "", source: "src", edited: "" }, columns)).toEqual([
      "Choose a column for the instruction.",
      "Choose a column for the edited image.",
    ]);
    expect(validateMapping({ ...base, externalId: ["id", "turn"], mask: "mask_img", metadata: ["extra"] }, columns)).toEqual([
      'Column "turn" for the id is not in the file.',
      'Column "mask_img" for the mask is not in the file.',
      'Metadata column "extra" is not in the file.',
    ]);
    expect(validateMapping({ ...base, edited: "src" }, columns)).toEqual(['The source and edited images both use the column "src".']);
  });
});

describe("guessMapping", () => {
  it("picks likely columns and keeps the rest as metadata", () => {
    const m = guessMapping(["Key", "Prompt", "Input Image", "output_image", "mask", "Edit-Task", "prompt_cn", "clip_score"]);
    expect(m).toMatchObject({
      externalId: "Key",
      instruction: "Prompt",
      instructionCn: "prompt_cn",
      source: "Input Image",
      edited: "output_image",
      mask: "mask",
      task: "Edit-Task",
      metadata: ["clip_score"],
    });
    expect(validateMapping(m, ["Key", "Prompt", "Input Image", "output_image", "mask", "Edit-Task", "prompt_cn", "clip_score"])).toEqual([]);
  });

  it("leaves required targets empty when nothing fits", () => {
    const m = guessMapping(["a", "b"]);
    expect(m).toMatchObject({ instruction: "", source: "", edited: "", externalId: null, metadata: ["a", "b"] });
    expect(validateMapping(m, ["a", "b"])).toHaveLength(3);
  });
});

describe("mapRecord: gold", () => {
  const gold: TMapping = { ...base, gold: "gold", goldDecision: "gold_decision", goldReasons: "gold_reasons", goldInstruction: "gold_instruction" };
  const ctx = { reasonCodes: new Set(["no_visible_edit", "wrong_object", "extra_change", "text_wrong"]) };
  const goldOf = (extra: Record<string, unknown>, m: TMapping = gold) => candidate(mapRecord(row(extra), m, ctx)).gold;
  const refusal = (extra: Record<string, unknown>, m: TMapping = gold) => reason(mapRecord(row(extra), m, ctx));

  it("reads the flag as true/false, yes/no or 1/0, and leaves unflagged rows regular", () => {
    for (const flag of [true, "true", "Yes", 1, "1", "y"]) {
      expect(goldOf({ gold: flag, gold_decision: "accept" }), String(flag)).toEqual({ decision: "accept", reasons: [], instruction: null });
    }
    for (const flag of [false, "no", 0, "0", "", null, undefined]) {
      expect(goldOf({ gold: flag, gold_decision: "reject", gold_reasons: "made_up" }), String(flag)).toBeNull();
    }
    expect(refusal({ gold: "maybe" })).toBe('column "gold": expected true/false, yes/no or 1/0, got "maybe"');
    expect(candidate(mapRecord(row({ gold: true, gold_decision: "accept" }), base)).gold).toBeNull();
  });

  it("without a flag column, a row with an expected decision is gold", () => {
    const noFlag: TMapping = { ...gold, gold: null };
    expect(goldOf({ gold_decision: "accept" }, noFlag)).toEqual({ decision: "accept", reasons: [], instruction: null });
    expect(goldOf({ gold_decision: "  " }, noFlag)).toBeNull();
  });

  it("requires a known decision, in any case and spelling of re-caption", () => {
    expect(refusal({ gold: "yes" })).toBe('column "gold_decision": a gold pair needs its expected decision (accept, reject or recaption)');
    expect(refusal({ gold: "yes", gold_decision: "maybe" })).toBe('column "gold_decision": expected accept, reject or recaption, got "maybe"');
    expect(refusal({ gold: "yes" }, { ...base, gold: "gold" })).toBe(
      'column "gold": a gold pair needs its expected decision; map a column to the gold decision',
    );
    expect(goldOf({ gold: 1, gold_decision: "ACCEPT" })?.decision).toBe("accept");
    expect(goldOf({ gold: 1, gold_decision: "Re-caption", gold_instruction: "Make the car red" })).toEqual({
      decision: "recaption", reasons: [], instruction: "Make the car red",
    });
  });

  it("reads reasons from a list, a JSON array or codes separated by commas, pipes or semicolons", () => {
    const expectReasons = (cell: unknown, codes: string[]) =>
      expect(goldOf({ gold: 1, gold_decision: "reject", gold_reasons: cell })?.reasons, JSON.stringify(cell)).toEqual(codes);
    expectReasons(["wrong_object", "extra_change"], ["wrong_object", "extra_change"]);
    expectReasons('["wrong_object", "text_wrong"]', ["wrong_object", "text_wrong"]);
    expectReasons("wrong_object, extra_change", ["wrong_object", "extra_change"]);
    expectReasons("wrong_object|extra_change|wrong_object", ["wrong_object", "extra_change"]);
    expectReasons("no_visible_edit; text_wrong;", ["no_visible_edit", "text_wrong"]);
    expectReasons("", []);
    expectReasons(undefined, []);
  });

  it("refuses reasons outside the project's taxonomy, and reasons on anything but a reject", () => {
    expect(refusal({ gold: 1, gold_decision: "reject", gold_reasons: "wrong_object, blurry" })).toBe(
      'column "gold_reasons": "blurry" is not a reject reason of this project (its codes: no_visible_edit, wrong_object, extra_change, text_wrong)',
    );
    expect(refusal({ gold: 1, gold_decision: "reject", gold_reasons: ["x1", "x2"] })).toMatch(/^column "gold_reasons": "x1", "x2" are not reject reasons of this project/);
    expect(refusal({ gold: 1, gold_decision: "accept", gold_reasons: "wrong_object" })).toBe(
      'column "gold_reasons": expected reasons go with a gold reject, not accept',
    );
    expect(refusal({ gold: 1, gold_decision: "reject", gold_reasons: 7 })).toBe(
      'column "gold_reasons": expected reason codes (a list, or codes separated by commas), got 7',
    );
    // Without the project's codes (the preview of a file), any code is taken.
    expect(candidate(mapRecord(row({ gold: 1, gold_decision: "reject", gold_reasons: "blurry" }), gold)).gold?.reasons).toEqual(["blurry"]);
  });

  it("requires the reference instruction of a gold re-caption, and keeps it only for a re-caption", () => {
    expect(refusal({ gold: 1, gold_decision: "recaption", gold_instruction: " " })).toBe(
      'column "gold_instruction": a gold re-caption needs its reference instruction',
    );
    expect(refusal({ gold: 1, gold_decision: "recaption" }, { ...gold, goldInstruction: null })).toBe(
      'column "gold_decision": a gold re-caption needs its reference instruction; map a column to the gold instruction',
    );
    expect(goldOf({ gold: 1, gold_decision: "accept", gold_instruction: "Make the car red" })?.instruction).toBeNull();
  });
});

describe("gold columns in mappings", () => {
  it("are guessed from their canonical names and aliases, and checked like any other column", () => {
    expect(guessMapping(["id", "instruction", "src", "edited", "is_gold", "Expected Decision", "expected_reasons", "reference_recaption"])).toMatchObject({
      gold: "is_gold",
      goldDecision: "Expected Decision",
      goldReasons: "expected_reasons",
      goldInstruction: "reference_recaption",
      metadata: [],
    });
    expect(validateMapping({ ...base, gold: "gold", goldDecision: "answer" }, ["id", "instruction", "src", "dst", "gold"])).toEqual([
      'Column "answer" for the gold decision is not in the file.',
    ]);
  });
});

describe("layouts datasets ship", () => {
  it("takes element k of a list-valued image column, and says when the list is too short", () => {
    const m: TMapping = { instruction: "prompt", source: "input_images", edited: "output_images", editedIndex: 1 };
    const c = candidate(mapRecord({ prompt: "x", input_images: ["animal/1.jpg", "animal/2.jpg"], output_images: ["o/1.jpg", "o/2.jpg"] }, m));
    expect(c.source).toEqual({ kind: "path", path: "animal/1.jpg" });
    expect(c.edited).toEqual({ kind: "path", path: "o/2.jpg" });
    expect(reason(mapRecord({ prompt: "x", input_images: ["a.jpg"], output_images: ["o.jpg"] }, m))).toBe(
      'column "output_images": the list has 1 element, so there is no element 1',
    );
    expect(reason(mapRecord({ prompt: "x", input_images: [], output_images: ["o.jpg", "p.jpg"] }, m))).toBe('source image is missing (column "input_images")');
    // One list column for both images, at different elements (GPT-Image-Edit's `image`).
    const one: TMapping = { instruction: "c", source: "image", sourceIndex: 0, edited: "image", editedIndex: 1 };
    expect(validateMapping(one, ["image", "c"])).toEqual([]);
    expect(validateMapping({ ...one, editedIndex: 0 }, ["image", "c"])).toEqual(['The source and edited images both use the column "image" at element 0.']);
  });

  it("reads the instruction from LLaVA conversations and takes the id from the edited image's path", () => {
    const m: TMapping = { instruction: "conversations", source: "image", edited: "image", editedIndex: 1, externalIdFromImage: "edited", imagePathPrefix: "hqedit/edit" };
    const c = candidate(
      mapRecord(
        { image: ["input/00012.png", "./output/00012.png"], conversations: [{ from: "human", value: "<image>\nTurn the  sky pink" }, { from: "gpt", value: "<image>" }] },
        m,
      ),
    );
    expect(c.instruction).toBe("Turn the sky pink");
    expect(c.source).toEqual({ kind: "path", path: "hqedit/edit/input/00012.png" });
    expect(c.edited).toEqual({ kind: "path", path: "hqedit/edit/output/00012.png" });
    expect(c.externalId).toBe("hqedit/edit/output/00012");
    expect(reason(mapRecord({ image: ["a.png", "b.png"], conversations: [{ from: "gpt", value: "<image>" }] }, m))).toBe(
      'column "conversations": the instruction is missing',
    );
  });

  it("puts relative paths under a base URL, leaves absolute URLs alone, and takes the id from the path before it", () => {
    const m: TMapping = {
      instruction: "text",
      source: "open_image_input_url",
      edited: "output_image",
      externalIdFromImage: "edited",
      imageBaseUrl: "https://cdn.example/datasets/nb",
    };
    const c = candidate(mapRecord({ text: "x", open_image_input_url: "https://farm1.example/1_o.jpg", output_image: "images/positive-edit/7.png" }, m));
    expect(c.source).toEqual({ kind: "url", url: "https://farm1.example/1_o.jpg" });
    expect(c.edited).toEqual({ kind: "url", url: "https://cdn.example/datasets/nb/images/positive-edit/7.png" });
    expect(c.externalId).toBe("images/positive-edit/7");
    expect(validateMapping({ ...m, imageBaseUrl: "cdn.example" }, ["text", "open_image_input_url", "output_image"])).toEqual([
      'The image base URL must start with http:// or https:// and name a host, not "cdn.example".',
    ]);
  });

  it("keeps a reference image and the inverse instruction; a refused row's own id can still be read", () => {
    const m: TMapping = { externalId: "image_id", instruction: "edit_instruction", source: "image_file", edited: "edited_file", reference: "visual_input", inverseInstruction: "inv" };
    const c = candidate(mapRecord({ image_id: "v1", edit_instruction: "x", image_file: "a.png", edited_file: "b.png", visual_input: "c.png", inv: "undo it" }, m));
    expect(c.reference).toEqual({ kind: "path", path: "c.png" });
    expect(c.inverseInstruction).toBe("undo it");
    const refused = { image_id: "v2", edit_instruction: "x", image_file: "a.png" };
    expect(mapRecord(refused, m)).toEqual({ ok: false, reason: 'edited image is missing (column "edited_file")' });
    expect(recordIdOf(refused, m)).toBe("v2");
    // Without an id column, the id a report names comes from the image path as the pair's would.
    const fromPath: TMapping = { instruction: "p", source: "input_images", edited: "output_images", externalIdFromImage: "edited", imagePathPrefix: "edit" };
    expect(recordIdOf({ input_images: ["a/1.png"], output_images: ["a/1_out.png"] }, fromPath)).toBe("edit/a/1_out");
    expect(recordIdOf({ input_images: ["a/1.png"], output_images: [] }, fromPath)).toBeNull();
  });

  it("guesses WebDataset fields by their stem, and AnyEdit's files before its captions", () => {
    expect(guessMapping(["__key__", "src.jpg", "tgt.jpg", "txt"])).toMatchObject({ externalId: "__key__", source: "src.jpg", edited: "tgt.jpg", instruction: "txt" });
    expect(guessMapping(["image_id", "edit_instruction", "image_file", "edited_file", "visual_input", "input", "output"])).toMatchObject({
      source: "image_file",
      edited: "edited_file",
      reference: "visual_input",
      metadata: ["input", "output"],
    });
  });

  it("reads a session and its turn: a whole number from 0, and only with a session", () => {
    const m: TMapping = { instruction: "instruction", source: "s", edited: "t", sessionId: "img_id", turn: "turn_index" };
    const row = (img_id: unknown, turn_index: unknown) => mapRecord({ instruction: "x", s: "a.png", t: "b.png", img_id, turn_index }, m);
    expect(row(327726, 2)).toMatchObject({ ok: true, candidate: { sessionId: "327726", turn: 2 } });
    expect(row("s1", "0")).toMatchObject({ ok: true, candidate: { sessionId: "s1", turn: 0 } });
    expect(row(null, null)).toMatchObject({ ok: true, candidate: { sessionId: null, turn: null } });
    expect(row("s1", 1.5)).toMatchObject({ ok: false, reason: expect.stringMatching(/"turn_index": expected a whole number from 0/) });
    expect(row("s1", -1)).toMatchObject({ ok: false });
    expect(row("", 3)).toMatchObject({ ok: false, reason: 'column "turn_index": a turn needs its session; column "img_id" is empty' });
  });
});
