import { z } from "zod";
import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { isWebLocation, parseObjectUrl } from "@/lib/images/resolve";
import { readImageBytes } from "@/lib/images/store";
import { bucketStorage, getStorage, serveConfig } from "@/lib/storage/config";
import { imageKey } from "@/lib/storage/keys";
import { serveBytes, serveObject } from "@/lib/storage/serve";

const ZParams = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "not an image id") });

// Every image reaches the browser here: the session is checked, and because the URL is the content
// hash the bytes never change, so browsers may cache them for a year without revalidating. With a bucket
// the answer is a short-lived presigned redirect (or the bytes streamed through, LOUPE_S3_SERVE=proxy);
// lib/storage/serve.ts says why the page never holds an expiring URL.
export const GET = route({ permission: "image:read", params: ZParams }, async ({ db, params, req }) => {
  const image = await db.prisma.image.findUnique({ where: { sha256: params.sha256 }, select: { mime: true, location: true } });
  if (!image) throw new NotFoundError("Image not found.");
  const common = {
    contentType: image.mime,
    immutable: true,
    etag: `"${params.sha256}"`,
    // Opened on its own, an image must never run script in Loupe's origin.
    headers: { "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox" },
  };
  // One referenced at its web address is read from there through Loupe (the page's CSP admits only
  // Loupe's origin) and checked against its hash; gone or changed, it answers 404 naming the address.
  if (image.location && isWebLocation(image.location)) {
    const location = image.location;
    return serveBytes(() => readImageBytes(getStorage(), params.sha256, location), req, {
      ...common,
      missingMessage: `Image ${params.sha256} is missing: ${image.location} no longer answers with the imported image.`,
    });
  }
  // An original referenced in place is served from its own bucket; a vanished one answers 404 with its key.
  const inPlace = image.location ? parseObjectUrl(image.location) : null;
  const key = inPlace ? inPlace.key : imageKey(params.sha256);
  return serveObject(inPlace ? bucketStorage(inPlace.bucket) : getStorage(), key, req, {
    ...serveConfig(),
    ...common,
    missingMessage: inPlace
      ? `Image ${params.sha256} is missing: ${image.location} is no longer in its bucket.`
      : `Image ${params.sha256} is missing from storage (${key}).`,
  });
});
