import { z } from "zod";
import { route } from "@/lib/http/handler";
import { importRoot } from "@/lib/imports/config";
import { browseImportRoot } from "@/lib/imports/files";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "import:project", input: z.object({ dir: z.string().max(4096).default("") }) }, async ({ input }) =>
  browseImportRoot(importRoot(), input.dir),
);
