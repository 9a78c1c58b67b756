import { z } from "zod";

export const ZImportParams = z.object({ importId: z.string().regex(/^\d{1,18}$/, "importId must be a number") });
