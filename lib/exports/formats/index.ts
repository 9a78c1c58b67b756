import type { TExportFormat, TFormatWriter, TOpenWriter, TWriterContext } from "../types";
import { openCanonicalWriter } from "./canonical";
import { openGoldCsvWriter, openGoldJsonlWriter } from "./gold";
import { openGoldParquetWriter } from "./gold-parquet";
import { openVerifierTrainersWriter } from "./trainers";
import { openVerifierPreferenceWriter, openVerifierSftWriter } from "./verifier";

const WRITERS: Record<TExportFormat, TOpenWriter> = {
  canonical: openCanonicalWriter,
  "gold-jsonl": openGoldJsonlWriter,
  "gold-csv": openGoldCsvWriter,
  "gold-parquet": openGoldParquetWriter,
  "verifier-sft": openVerifierSftWriter,
  "verifier-preference": openVerifierPreferenceWriter,
  "verifier-trainers": openVerifierTrainersWriter,
};

export function openWriter(format: TExportFormat, ctx: TWriterContext): Promise<TFormatWriter> {
  return WRITERS[format](ctx);
}
