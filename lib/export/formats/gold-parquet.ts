import type { TOpenWriter } from "../types";
// PLACEHOLDER until the format lands (issue 5 work in progress).
export const openGoldParquetWriter: TOpenWriter = async () => { throw new Error("openGoldParquetWriter: not written yet"); };
