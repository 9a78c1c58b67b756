import { route } from "@/lib/http/handler";
import { liftPause, pauseAnnotator, ZAnnotatorParams, ZPauseRequest } from "@/lib/quality/pauses";

export const dynamic = "force-dynamic";

/** Pause an annotator by hand, with the reason they will read. */
export const POST = route({ permission: "project:manage", input: ZPauseRequest, params: ZAnnotatorParams }, async ({ db, user, input, params }) => ({
  pause: await pauseAnnotator(db, params.projectId, params.userId, user.id, input.reason),
}));

/** Lift the pause (the gold rule's or an admin's). */
export const DELETE = route({ permission: "project:manage", params: ZAnnotatorParams }, async ({ db, user, params }) => ({
  pause: await liftPause(db, params.projectId, params.userId, user.id),
}));
