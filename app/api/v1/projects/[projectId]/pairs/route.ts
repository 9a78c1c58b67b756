import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { dataDir, fetchConfigFromEnv, imageRootFromEnv } from "@/lib/imports/config";
import { getStorage } from "@/lib/storage/config";
import { postPairs } from "@/lib/pipeline-api/pairs";
import { MAX_PAIRS_BODY_BYTES, ZPostPairsBody } from "@/lib/pipeline-api/schemas";

export const dynamic = "force-dynamic";

export const POST = route(
  { permission: "api:pairs:write", token: true, input: ZPostPairsBody, params: ZProjectParams, maxBodyBytes: MAX_PAIRS_BODY_BYTES },
  async ({ db, user, token, input, params }) =>
    postPairs(db, params.projectId, input.pairs, {
      actorId: user.id,
      tokenId: token?.tokenId ?? null,
      dataDir: dataDir(),
      storage: getStorage(),
      resolve: { ...fetchConfigFromEnv(), imageRoot: imageRootFromEnv() },
    }),
);
