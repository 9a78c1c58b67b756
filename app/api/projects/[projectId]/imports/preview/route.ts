import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { fetchConfigFromEnv, imageRootFromEnv, importRoot } from "@/lib/imports/config";
import { ZImportRequest } from "@/lib/imports/schemas";
import { previewImport } from "@/lib/imports/service";
import { NotFoundError } from "@/lib/errors";
import { parseReasons } from "@/lib/projects/reasons";
import { parseVerifierScales } from "@/lib/quality/scales";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "import:project", input: ZImportRequest, params: ZProjectParams }, async ({ db, user, input, params }) => {
  const project = await db.prisma.project.findUnique({ where: { id: params.projectId }, select: { rejectReasons: true, verifierScales: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const reasonCodes = new Set(parseReasons(project.rejectReasons).map((r) => r.code));
  // The image root and fetch policy the import will be created with (see ./route.ts next door).
  const imageCheck = { ...fetchConfigFromEnv(), imageRoot: imageRootFromEnv() };
  return previewImport(db, input, { importRoot: importRoot(), actorId: user.id, reasonCodes, scales: parseVerifierScales(project.verifierScales), imageCheck });
});
