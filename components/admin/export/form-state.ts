// The export form's fields as typed (local calendar days) and the filters the API takes. Pure, unit-tested.
import type { TExportFilters, TGoldChoice } from "@/lib/exports/filters";
import { TRAINERS, type TExportFormat, type TTrainer } from "@/lib/exports/types";

export type TDecisionChoice = "accept" | "reject" | "recaption";
export const DECISION_CHOICES: { value: TDecisionChoice; label: string }[] = [
  { value: "accept", label: "Accept" },
  { value: "reject", label: "Reject" },
  { value: "recaption", label: "Re-caption" },
];

export interface TExportFormState {
  format: TExportFormat;
  decisions: TDecisionChoice[];
  adjudicatedOnly: boolean;
  minAgreement: string;
  tasks: string;
  subtasks: string;
  /** yyyy-mm-dd from the date inputs, in the browser's time zone; empty for open-ended. */
  from: string;
  through: string;
  gold: TGoldChoice;
  images: "files" | "embedded";
  validationFraction: string;
  /** verifier-trainers: the tools to write for. */
  trainers: TTrainer[];
}

export const INITIAL_FORM: TExportFormState = {
  format: "canonical",
  decisions: ["accept", "reject", "recaption"],
  adjudicatedOnly: false,
  minAgreement: "",
  tasks: "",
  subtasks: "",
  from: "",
  through: "",
  gold: "include",
  images: "files",
  validationFraction: "0.1",
  trainers: [...TRAINERS],
};

export const TRAINER_CHOICES: { value: TTrainer; label: string }[] = [
  { value: "llama-factory", label: "LLaMA-Factory" },
  { value: "ms-swift", label: "ms-swift" },
  { value: "trl", label: "TRL" },
];

function names(text: string): string[] | undefined {
  const list = text.split(",").map((s) => s.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

function localMidnight(day: string, plusDays = 0): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function localDay(iso: string, minusDays = 0): string {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const t = dateOnly ? new Date(`${iso}T00:00:00`) : new Date(iso);
  t.setDate(t.getDate() - minusDays);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}`;
}

/** The filters for the API; a box that holds no number is sent as typed, so the server's message names the field. */
export function toFilters(s: TExportFormState): TExportFilters {
  const f: Record<string, unknown> = {};
  if (s.decisions.length < DECISION_CHOICES.length) f.decisions = DECISION_CHOICES.map((c) => c.value).filter((d) => s.decisions.includes(d));
  if (s.adjudicatedOnly) f.adjudicatedOnly = true;
  const agreement = s.minAgreement.trim();
  if (agreement !== "") f.minAgreement = Number.isFinite(Number(agreement)) ? Number(agreement) : agreement;
  const tasks = names(s.tasks);
  if (tasks) f.tasks = tasks;
  const subtasks = names(s.subtasks);
  if (subtasks) f.subtasks = subtasks;
  if (s.from) f.finalizedFrom = localMidnight(s.from);
  // "Through" a day: before the start of the next one.
  if (s.through) f.finalizedBefore = localMidnight(s.through, 1);
  if (s.gold !== "include") f.gold = s.gold;
  return f as TExportFilters;
}

export function fromFilters(filters: TExportFilters, base: TExportFormState): TExportFormState {
  return {
    ...base,
    decisions: filters.decisions ? [...filters.decisions] : DECISION_CHOICES.map((c) => c.value),
    adjudicatedOnly: filters.adjudicatedOnly ?? false,
    minAgreement: filters.minAgreement !== undefined ? String(filters.minAgreement) : "",
    tasks: (filters.tasks ?? []).join(", "),
    subtasks: (filters.subtasks ?? []).join(", "),
    from: filters.finalizedFrom ? localDay(filters.finalizedFrom) : "",
    through: filters.finalizedBefore ? localDay(filters.finalizedBefore, 1) : "",
    gold: filters.gold ?? "include",
  };
}

/** Same filters whatever the key order (a saved filter counts as applied only while the form still matches it). */
export function sameFilters(a: TExportFilters, b: TExportFilters): boolean {
  const canon = (f: TExportFilters) => {
    const { savedFilterId: _ignored, ...rest } = f;
    return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([x], [y]) => (x < y ? -1 : 1))));
  };
  return canon(a) === canon(b);
}

export const FORMAT_CHOICES: { value: TExportFormat; label: string; help: string }[] = [
  { value: "canonical", label: "Canonical JSONL", help: "One line per pair: final decision and instruction, reasons with their dimensions, every label, agreement, review, verifier signals, provenance." },
  { value: "gold-jsonl", label: "Gold subset · JSONL", help: "Accepted pairs with their final instruction, for training the editing model (Hugging Face datasets layout)." },
  { value: "gold-csv", label: "Gold subset · CSV", help: "The gold subset as CSV; cells that a spreadsheet would run as formulas are neutralised." },
  { value: "gold-parquet", label: "Gold subset · Parquet", help: "The gold subset as Parquet, images as files or embedded bytes." },
  { value: "verifier-sft", label: "Verifier · SFT", help: "Failure-detection and re-caption samples in the multimodal chat format (messages with image placeholders and an images list)." },
  { value: "verifier-preference", label: "Verifier · preference pairs", help: "Human re-caption chosen, original instruction rejected." },
  {
    value: "verifier-trainers",
    label: "Verifier · for LLaMA-Factory, ms-swift, TRL",
    help: "The verifier's SFT and DPO data in each trainer's own layout, train and validation in separate files, with dataset_info.json and dataset cards: loads without edits.",
  },
];

export const FORMAT_LABELS = Object.fromEntries(FORMAT_CHOICES.map((f) => [f.value, f.label])) as Record<TExportFormat, string>;
