import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { startAuditRound } from "@/lib/quality/audit";
import { ZAuditRoundInput } from "@/lib/quality/audit-schema";

export const dynamic = "force-dynamic";

// Draws a new audit round (the sample the "audit" queue order serves).
export const POST = route({ permission: "project:manage", input: ZAuditRoundInput, params: ZProjectParams }, async ({ db, user, input, params }) =>
  startAuditRound(db, params.projectId, user.id, input));
