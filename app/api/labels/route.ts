import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { submitLabel } from "@/lib/queue/submit";
import { ZSubmitLabel } from "@/lib/queue/schemas";

// POST /api/labels → { label, replayed }. Replaying a submissionId returns the stored label (200).
export const POST = route({ permission: "annotate:pair", input: ZSubmitLabel }, async ({ user, input }) =>
  submitLabel((await getDatabase()).runner, user.id, input),
);
