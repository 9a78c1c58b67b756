import "server-only";
import type { SqlRunner } from "../db/sql";
import { ForbiddenError, NotFoundError } from "../errors";
import type { TProjectWork } from "./project-work";

export type { TProjectWork } from "./project-work";

/**
 * Refuses a user who may not do `work` on the project (decision 030), with a message that says why:
 * archived (read-only), or a restricted project they are not a member of for that work. Admins are
 * members of every project. A project being deleted answers as one that does not exist.
 */
export async function requireProjectWork(tx: SqlRunner, projectId: number, userId: number, work: TProjectWork): Promise<void> {
  const [row] = await tx.query<{ archived: boolean; deleting: boolean; restricted: boolean; admin: boolean; member: boolean }>(
    `SELECT pr.archived_at IS NOT NULL AS archived, pr.deleting_at IS NOT NULL AS deleting, pr.restricted,
            EXISTS (SELECT 1 FROM users u WHERE u.id = $2 AND u.role = 'admin') AS admin,
            EXISTS (SELECT 1 FROM project_members m WHERE m.project_id = pr.id AND m.user_id = $2
                      AND CASE WHEN $3::text = 'annotate' THEN m.annotates ELSE m.reviews END) AS member
     FROM projects pr WHERE pr.id = $1`,
    [projectId, userId, work],
    "loupe_project_work",
  );
  if (!row || row.deleting) throw new NotFoundError("Project not found.");
  if (row.archived) throw new ForbiddenError("This project is archived: it is read-only until an admin unarchives it.");
  if (row.restricted && !row.admin && !row.member) {
    throw new ForbiddenError(
      work === "annotate"
        ? "You are not one of this project's annotators. Ask an admin to add you to its team."
        : "You are not one of this project's reviewers. Ask an admin to add you to its team.",
    );
  }
}

/** Refuses changes to an archived project's data (imports, pipeline pairs); a project being deleted is not found. */
export async function requireProjectWritable(tx: SqlRunner, projectId: number): Promise<void> {
  const [row] = await tx.query<{ archived: boolean; deleting: boolean }>(
    `SELECT archived_at IS NOT NULL AS archived, deleting_at IS NOT NULL AS deleting FROM projects WHERE id = $1`,
    [projectId],
  );
  if (!row || row.deleting) throw new NotFoundError("Project not found.");
  if (row.archived) throw new ForbiddenError("This project is archived: it is read-only until an admin unarchives it.");
}
