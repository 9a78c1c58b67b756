import type { TExportAbout, TSplit } from "../types";

// Dataset cards: the README.md the Hugging Face Hub and `datasets` read beside the data. The YAML header
// declares the configs (which files are which split) and the features; the body says, for people, what
// the rows are, how many there are per split and subtask, which filters chose them and where they came
// from. Strings are written as JSON strings, which YAML reads as double-quoted scalars.

type TYaml = string | number | boolean | null | TYaml[] | { [key: string]: TYaml };

function scalar(v: string | number | boolean | null): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}

function isScalar(v: TYaml): v is string | number | boolean | null {
  return v === null || typeof v !== "object";
}

/** Block YAML for plain data (no anchors, no multi-line scalars: strings are JSON-quoted). */
export function toYaml(value: TYaml, indent = ""): string {
  if (isScalar(value)) return `${indent}${scalar(value)}\n`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}[]\n`;
    return value
      .map((item) => {
        if (isScalar(item)) return `${indent}- ${scalar(item)}\n`;
        const inner = toYaml(item, `${indent}  `);
        return `${indent}- ${inner.slice(indent.length + 2)}`;
      })
      .join("");
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return `${indent}{}\n`;
  return entries
    .map(([k, v]) => {
      if (isScalar(v)) return `${indent}${k}: ${scalar(v)}\n`;
      if (Array.isArray(v) && v.length === 0) return `${indent}${k}: []\n`;
      return `${indent}${k}:\n${toYaml(v, Array.isArray(v) ? indent : `${indent}  `)}`;
    })
    .join("");
}

/** Records per split and subtask ("" for none), as the writers count them. */
export class SubtaskCounts {
  readonly bySplit: Record<TSplit, Map<string, number>> = { train: new Map(), validation: new Map() };

  add(split: TSplit, subtask: string | null, n = 1): void {
    const m = this.bySplit[split];
    m.set(subtask ?? "", (m.get(subtask ?? "") ?? 0) + n);
  }

  total(split: TSplit): number {
    let n = 0;
    for (const v of this.bySplit[split].values()) n += v;
    return n;
  }

  /** A Markdown table: one row per subtask, train and validation columns, a total row. */
  table(label = "subtask"): string {
    const names = [...new Set([...this.bySplit.train.keys(), ...this.bySplit.validation.keys()])].sort();
    const lines = [`| ${label} | train | validation |`, "|---|---:|---:|"];
    for (const name of names) {
      lines.push(`| ${name === "" ? "(none)" : mdCell(name)} | ${this.bySplit.train.get(name) ?? 0} | ${this.bySplit.validation.get(name) ?? 0} |`);
    }
    lines.push(`| **all** | ${this.total("train")} | ${this.total("validation")} |`);
    return lines.join("\n");
  }
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}

/** The provenance section every card ends with. */
export function provenance(about: TExportAbout | undefined, extra: string[] = []): string {
  if (!about) return ["## Provenance", "", "Written outside an export job (no project or filters recorded).", ...extra].join("\n");
  return [
    "## Provenance",
    "",
    `- Exported by Loupe ${about.loupeVersion}, export ${about.exportId}, created ${about.createdAt}${about.createdBy ? ` by ${mdCell(about.createdBy)}` : ""}.`,
    `- Project: ${mdCell(about.projectName)} (id ${about.projectId}).`,
    `- Filters: ${mdCell(about.filtersText)}. As JSON: \`${JSON.stringify(about.filters)}\`.`,
    "- Only final pairs are exported: decided by annotator consensus, by a reviewer, or gold answers.",
    "- The train / validation split hashes each pair's external id (sha256 of \"loupe-split\", NUL, the id), so a pair keeps its side in every export.",
    "- `manifest.json` beside this card has the full record: counts per decision, the files and the data file's sha256.",
    ...extra,
  ].join("\n");
}

export interface TCardConfig {
  name: string;
  files: Partial<Record<TSplit, string>>;
  features: unknown[];
  counts: Record<TSplit, number>;
}

/** The YAML header: configs (split → files) and dataset_info (features, example counts) per config. */
export function cardHeader(configs: TCardConfig[], extra: Record<string, TYaml> = {}): string {
  const yaml: Record<string, TYaml> = {
    ...extra,
    configs: configs.map((c) => ({
      config_name: c.name,
      data_files: (["train", "validation"] as const).filter((s) => c.files[s]).map((s) => ({ split: s, path: c.files[s]! })),
    })),
    dataset_info: configs.map((c) => ({
      config_name: c.name,
      features: c.features as TYaml,
      splits: (["train", "validation"] as const).filter((s) => c.files[s]).map((s) => ({ name: s, num_examples: c.counts[s] })),
    })),
  };
  return `---\n${toYaml(yaml)}---\n`;
}
