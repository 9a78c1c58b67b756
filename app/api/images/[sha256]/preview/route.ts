import { z } from "zod";
import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ensurePreview } from "@/lib/images/previews";
import { getStorage } from "@/lib/storage/config";

const ZParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "not an image id") });

// What the browser should be shown for a stored image: its preview, made and stored now if the background
// workers have not made it yet (decision 015), or the image itself when it shows as it is. Answered with a
// redirect to the image route, which serves every image; a preview depends only on the image's content, so
// the redirect is cached like the image.
export const GET = route({ permission: "image:read", params: ZParams }, async ({ db, params }) => {
  const preview = await ensurePreview(db, getStorage(), params.sha256);
  if (!preview) throw new NotFoundError("Image not found.");
  return new Response(null, {
    status: 307,
    headers: { Location: `/api/images/${preview}`, "Cache-Control": "private, max-age=31536000, immutable" },
  });
});
