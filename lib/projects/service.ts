import "server-only";
import type { Db } from "../db/connect";
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
    if (err?.code === "23505") throw new ConflictError(`A project named "${input.name}" already exists.`);
    throw err;
  });
}

function createProjectTx(db: Db, actorId: number | null, input: TNewProject) {
  return db.transaction(async (tx) => {
    const [clash] = await tx.query(`SELECT id FROM projects WHERE name = $1`, [input.name]);
    if (clash) throw new ConflictError(`A project named "${input.name}" already exists.`);
    const [p] = await tx.query<{ id: number; name: string; overlap: number }>(
      `INSERT INTO projects (name, overlap, guidelines, reject_reasons) VALUES ($1, $2, $3, $4::jsonb) RETURNING id, name, overlap`,
      [input.name, input.overlap, input.guidelines ?? "", JSON.stringify(DEFAULT_REJECT_REASONS)],
    );
    await recordAudit(tx, { actorId, action: "project.created", subjectType: "project", subjectId: String(p!.id), data: { name: p!.name, overlap: p!.overlap } });
    return p!;
  });
}
