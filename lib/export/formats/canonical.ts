import type { TOpenWriter } from "../types";
// PLACEHOLDER until the format lands (issue 5 work in progress).
export const openCanonicalWriter: TOpenWriter = async () => { throw new Error("openCanonicalWriter: not written yet"); };
