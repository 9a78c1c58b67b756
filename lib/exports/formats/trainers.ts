import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { TRAINERS, type TExportImage, type TExportRow, type TFormatWriter, type TOpenWriter, type TSplit, type TTrainer, type TWriterContext } from "../types";
import { cardHeader, provenance, SubtaskCounts } from "./dataset-card";
import { IMAGE_CHUNK, SplitCounts } from "./gold";
import { ExportImages, imageFileName, inChunks } from "./images";
import { DatasetParquetFile, cardFeatures, type TDatasetColumn, type TImageCell } from "./parquet-dataset";
import { TextSink } from "./sink";
import {
  LLAMA_FACTORY_DATASETS,
  llamaFactoryDpo,
  llamaFactoryEntry,
  llamaFactorySft,
  swiftDpo,
  swiftSft,
  trainerSamples,
  trlDpo,
  trlSft,
  type TPreferenceSample,
  type TSftSample,
} from "./trainer-records";
import { changesInstruction } from "./verifier-prompts";

// verifier-trainers: the verifier's SFT and DPO data laid out for each chosen tool, train and validation
// always in separate files (a trainer reads whole files, so a split column alone leaks validation into
// training), with what each tool needs beside the data:
//   dataset_info.json + llama-factory/{sft,dpo}-{train,validation}.jsonl   LLaMA-Factory (dataset_dir = the export)
//   ms-swift/{sft,dpo}-{train,validation}.jsonl                            ms-swift (run from the export folder)
//   trl/{sft,dpo}/data/{train,validation}-00000-of-00001.parquet + README.md   TRL, a `datasets` folder each
//   images/<sha256>.<ext>                                                   the files LLaMA-Factory and ms-swift open
// LLaMA-Factory opens image strings as files and never decodes data URLs, so it always gets files; ms-swift
// follows the export's image option (it decodes data URLs); TRL gets the bytes in the Parquet, where
// `datasets` decodes them. Files a split or kind left empty are removed and not registered.

export type TKind = "sft" | "dpo";
const KINDS: TKind[] = ["sft", "dpo"];
const SPLITS: TSplit[] = ["train", "validation"];

export const TRAINER_FILES = {
  llamaFactoryInfo: "dataset_info.json",
  jsonl: (tool: "llama-factory" | "ms-swift", kind: TKind, split: TSplit) => `${tool}/${kind}-${split}.jsonl`,
  trl: (kind: TKind, split: TSplit) => `trl/${kind}/data/${split}-00000-of-00001.parquet`,
  trlCard: (kind: TKind) => `trl/${kind}/README.md`,
  readme: "README.md",
} as const;

const TRL_IDS: TDatasetColumn[] = ["sample", "pair_id", "external_id", "edit_task", "edit_subtask"].map((name) => ({ name, kind: "string" as const }));
export const TRL_COLUMNS: Record<TKind, TDatasetColumn[]> = {
  sft: [...TRL_IDS, { name: "messages", kind: "messages" }, { name: "images", kind: "images" }],
  dpo: [...TRL_IDS, { name: "prompt", kind: "messages" }, { name: "chosen", kind: "messages" }, { name: "rejected", kind: "messages" }, { name: "images", kind: "images" }],
};

export function chosenTrainers(ctx: TWriterContext): TTrainer[] {
  const wanted = new Set(ctx.options.trainers ?? TRAINERS);
  return TRAINERS.filter((t) => wanted.has(t));
}

type TJsonlKey = `${"llama-factory" | "ms-swift"}:${TKind}:${TSplit}`;

interface TEncoded {
  split: TSplit;
  subtask: string | null;
  sft: TSftSample[];
  dpo: TPreferenceSample | null;
  /** The same samples with ms-swift's image strings (data URLs when embedded). */
  swift: { sft: TSftSample[]; dpo: TPreferenceSample | null } | null;
  trlImages: TImageCell[] | null;
}

export const openVerifierTrainersWriter: TOpenWriter = async (ctx): Promise<TFormatWriter> => {
  const tools = chosenTrainers(ctx);
  const lf = tools.includes("llama-factory");
  const swift = tools.includes("ms-swift");
  const trl = tools.includes("trl");
  const swiftEmbedded = ctx.options.images === "embedded";
  const images = new ExportImages(ctx);
  const counts = new SplitCounts();
  const perKind: Record<TKind, Record<TSplit, number>> = { sft: { train: 0, validation: 0 }, dpo: { train: 0, validation: 0 } };
  const subtasks = { sft: new SubtaskCounts(), dpo: new SubtaskCounts() };

  const jsonl = new Map<TJsonlKey, { rel: string; sink: TextSink; rows: number }>();
  const jsonlTools = (["llama-factory", "ms-swift"] as const).filter((t) => (t === "llama-factory" ? lf : swift));
  // TextSink opens its file at once: the folders first.
  await Promise.all(jsonlTools.map((tool) => mkdir(path.join(ctx.dir, tool), { recursive: true })));
  for (const tool of jsonlTools) {
    for (const kind of KINDS) {
      for (const split of SPLITS) {
        const rel = TRAINER_FILES.jsonl(tool, kind, split);
        jsonl.set(`${tool}:${kind}:${split}`, { rel, sink: new TextSink(path.join(ctx.dir, rel)), rows: 0 });
      }
    }
  }
  const parquet: Partial<Record<`${TKind}:${TSplit}`, Promise<DatasetParquetFile<Record<string, unknown>>>>> = {};
  const parquetFor = (kind: TKind, split: TSplit) =>
    (parquet[`${kind}:${split}`] ??= DatasetParquetFile.open(ctx.dir, TRAINER_FILES.trl(kind, split), TRL_COLUMNS[kind], { format: "verifier-trainers", trainer: "trl", kind }));

  const lineOf = (key: TJsonlKey, record: unknown): string => {
    jsonl.get(key)!.rows++;
    return `${JSON.stringify(record)}\n`;
  };

  async function encode(row: TExportRow): Promise<TEncoded> {
    const pair = (ref: (i: TExportImage) => Promise<string>) => Promise.all([ref(row.sourceImage), ref(row.editedImage)]) as Promise<[string, string]>;
    const withPreference = changesInstruction(row);
    // The samples themselves are the same for every tool; only the image strings differ.
    const paths = lf || (swift && !swiftEmbedded) ? await pair((i) => images.file(i)) : ([imageFileName(row.sourceImage), imageFileName(row.editedImage)] as [string, string]);
    const base = trainerSamples(row, paths, withPreference);
    const swiftSamples = swift && swiftEmbedded ? trainerSamples(row, await pair((i) => images.dataUrl(i)), withPreference) : swift ? base : null;
    const trlImages = trl
      ? await Promise.all([row.sourceImage, row.editedImage].map(async (i) => ({ bytes: new Uint8Array(await images.bytes(i)), path: imageFileName(i) })))
      : null;
    return { split: row.split, subtask: row.subtask, sft: base.sft, dpo: base.dpo, swift: swiftSamples, trlImages };
  }

  async function emit(outs: TEncoded[]): Promise<void> {
    const text = new Map<TJsonlKey, string>();
    const add = (key: TJsonlKey, record: unknown) => text.set(key, (text.get(key) ?? "") + lineOf(key, record));
    for (const o of outs) {
      counts.add(o.split, o.sft.length + (o.dpo ? 1 : 0));
      perKind.sft[o.split] += o.sft.length;
      subtasks.sft.add(o.split, o.subtask, o.sft.length);
      if (o.dpo) {
        perKind.dpo[o.split]++;
        subtasks.dpo.add(o.split, o.subtask);
      }
      if (lf) {
        for (const s of o.sft) add(`llama-factory:sft:${o.split}`, llamaFactorySft(s));
        if (o.dpo) add(`llama-factory:dpo:${o.split}`, llamaFactoryDpo(o.dpo));
      }
      if (o.swift) {
        for (const s of o.swift.sft) add(`ms-swift:sft:${o.split}`, swiftSft(s));
        if (o.swift.dpo) add(`ms-swift:dpo:${o.split}`, swiftDpo(o.swift.dpo));
      }
      if (o.trlImages) {
        for (const s of o.sft) await (await parquetFor("sft", o.split)).push({ ...trlSft(s), images: o.trlImages });
        if (o.dpo) await (await parquetFor("dpo", o.split)).push({ ...trlDpo(o.dpo), images: o.trlImages });
      }
    }
    for (const [key, t] of text) await jsonl.get(key)!.sink.write(t);
  }

  return {
    async write(rows) {
      await inChunks(rows, IMAGE_CHUNK[trl || swiftEmbedded ? "embedded" : "files"], encode, emit);
    },
    async finish() {
      const files: string[] = [];
      const kept = (rel: string) => files.push(rel);
      // Every tool keeps its SFT train file, empty or not, so an export of nothing still has a data file.
      for (const f of jsonl.values()) {
        await f.sink.close();
        if (f.rows > 0 || f.rel.endsWith("sft-train.jsonl")) kept(f.rel);
        else await rm(path.join(ctx.dir, f.rel), { force: true });
      }
      if (trl) {
        if (!parquet["sft:train"]) await parquetFor("sft", "train");
        for (const kind of KINDS) {
          const written = SPLITS.filter((s) => parquet[`${kind}:${s}`]);
          if (written.length === 0) continue;
          for (const split of written) {
            await (await parquetFor(kind, split)).finish();
            kept(TRAINER_FILES.trl(kind, split));
          }
          const card = trlCard(ctx, kind, Object.fromEntries(written.map((s) => [s, TRAINER_FILES.trl(kind, s).slice(`trl/${kind}/`.length)])), perKind[kind], subtasks[kind]);
          await writeFile(path.join(ctx.dir, TRAINER_FILES.trlCard(kind)), card);
          kept(TRAINER_FILES.trlCard(kind));
        }
      }
      if (lf) {
        const info: Record<string, unknown> = {};
        for (const kind of KINDS) {
          for (const split of SPLITS) {
            const rel = TRAINER_FILES.jsonl("llama-factory", kind, split);
            if (files.includes(rel)) info[LLAMA_FACTORY_DATASETS[kind][split]] = llamaFactoryEntry(rel, kind);
          }
        }
        await writeFile(path.join(ctx.dir, TRAINER_FILES.llamaFactoryInfo), JSON.stringify(info, null, 2) + "\n");
        kept(TRAINER_FILES.llamaFactoryInfo);
      }
      await writeFile(path.join(ctx.dir, TRAINER_FILES.readme), trainersReadme(ctx, tools, files, perKind, subtasks));
      kept(TRAINER_FILES.readme);
      return { dataFile: files[0]!, files: [...files, ...images.files()], records: counts.records, splits: { ...counts.splits } };
    },
    async abort() {
      await Promise.all([...jsonl.values()].map((f) => f.sink.abort()));
      await Promise.all(Object.values(parquet).map((p) => p.then((f) => f.abort(), () => undefined)));
    },
  };
};

const KIND_TEXT: Record<TKind, string> = {
  sft: "supervised fine-tuning: a failure-detection sample per pair (is the edit valid, which failure class, which reasons) and a re-caption sample per pair people re-captioned",
  dpo: "preference pairs (DPO): for each pair people re-captioned, the human instruction chosen over the pipeline's",
};

function trlCard(ctx: TWriterContext, kind: TKind, files: Partial<Record<TSplit, string>>, counts: Record<TSplit, number>, subtasks: SubtaskCounts): string {
  const header = cardHeader([{ name: "default", files, features: cardFeatures(TRL_COLUMNS[kind]), counts }], { task_categories: ["image-text-to-text"], tags: ["loupe", "image-editing", "verifier", kind] });
  const body = [
    `# Verifier ${kind.toUpperCase()} data for TRL`,
    "",
    `Loupe's human labels as ${KIND_TEXT[kind]}.`,
    `Conversational vision rows: every message's content is a list of typed parts, one \`{"type": "image"}\` per entry of \`images\` (the original, then the edited image), and \`images\` holds the image bytes as \`datasets\` Image features.`,
    "",
    "```python",
    "from datasets import load_dataset",
    `ds = load_dataset("trl/${kind}")  # from the export folder: {"train", "validation"}`,
    "```",
    "",
    "## Rows per split and edit subtask",
    "",
    subtasks.table("edit subtask"),
    "",
    provenance(ctx.about),
    "",
  ];
  return header + "\n" + body.join("\n");
}

const TOOL_NAMES: Record<TTrainer, string> = { "llama-factory": "LLaMA-Factory", "ms-swift": "ms-swift", trl: "TRL" };

function trainersReadme(ctx: TWriterContext, tools: TTrainer[], files: string[], perKind: Record<TKind, Record<TSplit, number>>, subtasks: Record<TKind, SubtaskCounts>): string {
  const lines = [
    "# Verifier training data",
    "",
    `Written for ${tools.map((t) => TOOL_NAMES[t]).join(", ")}. Train and validation are separate files; a kind or split with no rows has no file.`,
    "",
    `- SFT: ${KIND_TEXT.sft}. Rows: ${perKind.sft.train} train, ${perKind.sft.validation} validation.`,
    `- DPO: ${KIND_TEXT.dpo}. Rows: ${perKind.dpo.train} train, ${perKind.dpo.validation} validation.`,
    "",
    "Files:",
    "",
    ...files.map((f) => `- \`${f}\``),
    "",
    "The commands to train on each tool are in Loupe's export guide (docs/guide/export.md, \"Verifier data for trainers\").",
    "",
    "## SFT rows per split and edit subtask",
    "",
    subtasks.sft.table("edit subtask"),
    "",
    "## DPO rows per split and edit subtask",
    "",
    subtasks.dpo.table("edit subtask"),
    "",
    provenance(ctx.about),
    "",
  ];
  return lines.join("\n");
}
