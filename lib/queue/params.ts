import { z } from "zod";
import { ZPairId } from "../params";

export const ZNextQuery = z.object({
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").filter(Boolean) : []))
    .pipe(z.array(ZPairId).max(10)),
  tz: z.string().max(64).optional(),
});
export const ZProgressQuery = z.object({ tz: z.string().max(64).optional() });
