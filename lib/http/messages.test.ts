import { describe, expect, it } from "vitest";
import { z } from "zod";
import { fieldName, validationMessage } from "./messages";

const fail = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  if (r.success) throw new Error("expected a failure");
  return validationMessage(r.error);
};

describe("validation messages", () => {
  it("names fields in words, never as paths", () => {
    expect(fieldName(["goldRate"])).toBe("Gold rate");
    expect(fieldName(["reasons", 3, "label"])).toBe("Label (item 4)");
    expect(fieldName([])).toBe("The request");
  });

  it("turns zod's own messages into sentences and keeps a schema's custom message", () => {
    expect(fail(z.object({ name: z.string().min(1) }), { name: "" })).toBe("Name cannot be empty.");
    expect(fail(z.object({ guidelines: z.string().max(5) }), { guidelines: "toolong" })).toBe("Guidelines can be at most 5 characters.");
    expect(fail(z.object({ overlap: z.number().max(5) }), { overlap: 9 })).toBe("Overlap can be at most 5.");
    expect(fail(z.object({ overlap: z.number() }), {})).toBe("Overlap is missing.");
    expect(fail(z.object({ d: z.enum(["IF", "NC"]) }), { d: "XX" })).toBe("D must be one of: IF, NC.");
    expect(fail(z.object({ name: z.string().min(1, "Give the project a name.") }), { name: "" })).toBe("Give the project a name.");
    const msg = fail(z.object({ reasons: z.array(z.object({ label: z.string().min(1) })) }), { reasons: [{ label: "a" }, { label: "" }] });
    expect(msg).toBe("Label (item 2) cannot be empty.");
    expect(msg).not.toMatch(/reasons\.|\.label/);
  });
});
