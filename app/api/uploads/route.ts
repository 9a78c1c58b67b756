import { z } from "zod";
import { route, parseOrThrow } from "@/lib/http/handler";
import { getStorage } from "@/lib/storage/config";
import { saveUpload, uploadMaxBytes } from "@/lib/imports/files";

export const dynamic = "force-dynamic";

const ZUploadQuery = z.object({ name: z.string().min(1).max(500) });

// The body is the raw file, streamed to the store as it arrives (no multipart parsing, no buffering).
// No `input` schema on the wrapper: it would read the body as JSON. The wrapper refuses a declared
// Content-Length over the cap before a byte is read; saveUpload stops a stream that grows past it.
export const PUT = route({ permission: "import:project", maxBodyBytes: uploadMaxBytes, maxBodyName: "this server's upload limit (LOUPE_UPLOAD_MAX_BYTES)" }, async ({ db, user, req }) => {
  const { name } = parseOrThrow(ZUploadQuery, Object.fromEntries(req.nextUrl.searchParams));
  return saveUpload(db, getStorage(), user.id, name, req.body, uploadMaxBytes());
});
