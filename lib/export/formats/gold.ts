import type { TOpenWriter } from "../types";
// PLACEHOLDER until the format lands (issue 5 work in progress).
export const openGoldJsonlWriter: TOpenWriter = async () => { throw new Error("openGoldJsonlWriter: not written yet"); };
export const openGoldCsvWriter: TOpenWriter = async () => { throw new Error("openGoldCsvWriter: not written yet"); };
