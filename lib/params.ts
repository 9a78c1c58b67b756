import { z } from "zod";

/** A pair id in a URL or body: a positive bigint as a decimal string. */
export const ZPairId = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, "not a pair id")
  .transform((s) => BigInt(s));

export const ZProjectParams = z.object({ projectId: z.coerce.number().int().positive() });
export const ZPairParams = z.object({ pairId: ZPairId });
