// Validation failures as sentences for people (issue 16 point 6): no field paths, no schema jargon. The
// one formatter for every route's and action's 400; the paths stay in the answer's details for programs.
// Pure: the UI may use it too.
import type { z } from "zod";

type TIssue = z.core.$ZodIssue;

/** "guidelines" → "Guidelines", "reasons.3.label" → "Label (item 4)", "goldRate" → "Gold rate". */
export function fieldName(path: readonly PropertyKey[]): string {
  const names = path.filter((p): p is string => typeof p === "string");
  const index = [...path].reverse().find((p): p is number => typeof p === "number");
  const last = names.at(-1);
  if (!last) return index === undefined ? "The request" : `Item ${index + 1}`;
  const words = last.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase();
  const name = words.charAt(0).toUpperCase() + words.slice(1);
  return index === undefined ? name : `${name} (item ${index + 1})`;
}

// zod's own messages start like this; a schema's custom message (written for people) is used as it is.
const GENERATED = /^(Invalid|Too (small|big)|Expected|Unrecognized)/;

function plural(n: number | bigint, one: string, many: string): string {
  return `${n.toLocaleString("en-US")} ${Number(n) === 1 ? one : many}`;
}

/** One issue as a sentence. */
export function issueText(issue: TIssue): string {
  if (!GENERATED.test(issue.message)) return issue.message;
  const field = fieldName(issue.path);
  switch (issue.code) {
    case "too_small": {
      const min = issue.minimum as number;
      if (issue.origin === "string") return min <= 1 ? `${field} cannot be empty.` : `${field} needs at least ${plural(min, "character", "characters")}.`;
      if (issue.origin === "array" || issue.origin === "set") return `${field} needs at least ${plural(min, "entry", "entries")}.`;
      return `${field} must be at least ${min.toLocaleString("en-US")}.`;
    }
    case "too_big": {
      const max = issue.maximum as number;
      if (issue.origin === "string") return `${field} can be at most ${plural(max, "character", "characters")}.`;
      if (issue.origin === "array" || issue.origin === "set") return `${field} can have at most ${plural(max, "entry", "entries")}.`;
      return `${field} can be at most ${max.toLocaleString("en-US")}.`;
    }
    case "invalid_type":
      return issue.input === undefined ? `${field} is missing.` : `${field} is not the right kind of value.`;
    case "invalid_value":
      return `${field} must be one of: ${issue.values.map(String).join(", ")}.`;
    case "invalid_format":
      return `${field} is not in the expected format.`;
    case "unrecognized_keys":
      return `This request has fields Loupe does not know: ${issue.keys.join(", ")}.`;
    default:
      return `${field} is not valid.`;
  }
}

/** A whole failed parse as one message: its first problem, which is the one to fix first. */
export function validationMessage(err: z.ZodError): string {
  const first = err.issues[0];
  return first ? issueText(first) : "The request is not valid.";
}
