import type { TOpenWriter } from "../types";
// PLACEHOLDER until the format lands (issue 5 work in progress).
export const openVerifierSftWriter: TOpenWriter = async () => { throw new Error("openVerifierSftWriter: not written yet"); };
export const openVerifierPreferenceWriter: TOpenWriter = async () => { throw new Error("openVerifierPreferenceWriter: not written yet"); };
