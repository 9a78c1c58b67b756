import "server-only";
import type { Db } from "../db/connect";
import type { Prisma } from "../db/generated/client";
import { ConflictError } from "../errors";
import { recordAudit } from "../audit/record";
import { DEFAULT_REJECT_REASONS } from "./reasons";

export interface TNewProject {
  name: string;
  overlap: number;
  guidelines?: string;
}

export async function createProject(db: Db, actorId: number | null, input: TNewProject): Promise<{ id: number; name: string; overlap: number }> {
  return createProjectTx(db, actorId, input).catch((err: { code?: string }) => {
    // Two admins creating the same name at once: the unique index answers for the slower one.
    if (err?.code === "P2002") throw new ConflictError(`A project named "${input.name}" already exists.`);
    throw err;
  });
}

function createProjectTx(db: Db, actorId: number | null, input: TNewProject) {
  return db.$transaction(async (tx) => {
    const clash = await tx.project.findUnique({ where: { name: input.name }, select: { id: true } });
    if (clash) throw new ConflictError(`A project named "${input.name}" already exists.`);
    const p = await tx.project.create({
      data: {
        name: input.name,
        overlap: input.overlap,
        guidelines: input.guidelines ?? "",
        rejectReasons: DEFAULT_REJECT_REASONS as unknown as Prisma.InputJsonValue,
      },
      select: { id: true, name: true, overlap: true },
    });
    await recordAudit(tx, { actorId, action: "project.created", subjectType: "project", subjectId: String(p.id), data: { name: p.name, overlap: p.overlap } });
    return p;
  });
}
