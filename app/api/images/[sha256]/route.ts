import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { z } from "zod";
import { route } from "@/lib/http/handler";
import { getEnv } from "@/lib/env";
import { NotFoundError } from "@/lib/errors";
import { imagePath } from "@/lib/images/store";

const ZParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "not an image id") });

// Every image reaches the browser here: the session is checked, and because the URL is the content
// hash the response never changes, so browsers may cache it for a year without revalidating.
export const GET = route({ permission: "image:read", params: ZParams }, async ({ db, params }) => {
  const image = await db.prisma.image.findUnique({ where: { sha256: params.sha256 }, select: { mime: true } });
  if (!image) throw new NotFoundError("Image not found.");
  const file = imagePath(getEnv().LOUPE_DATA_DIR, params.sha256);
  const info = await stat(file).catch(() => null);
  if (!info) throw new NotFoundError("Image file is missing from storage.");
  const body = Readable.toWeb(createReadStream(file)) as ReadableStream;
  return new Response(body, {
    headers: {
      "Content-Type": image.mime,
      "Content-Length": String(info.size),
      "Cache-Control": "private, max-age=31536000, immutable",
      ETag: `"${params.sha256}"`,
      "X-Content-Type-Options": "nosniff",
      // Opened on its own, an image must never run script in Loupe's origin.
      "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    },
  });
});
