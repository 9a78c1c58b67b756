import { route } from "@/lib/http/handler";
import { liftPause, pauseAnnotator, ZAnnotatorParams, ZPauseRequest } from "@/lib/quality/pauses";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "project:manage", input: ZPauseRequest, params: ZAnnotatorParams }, async ({ db, user, input, params }) => ({
  pause: await pauseAnnotator(db, params.projectId, params.userId, user.id, input.reason),
}));

export const DELETE = route({ permission: "project:manage", params: ZAnnotatorParams }, async ({ db, user, params }) => ({
  pause: await liftPause(db, params.projectId, params.userId, user.id),
}));
