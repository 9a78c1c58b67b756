// Who may work on a project (decision 030), as a SQL condition the hot paths put inside their own
// statement (CLAIM_SQL, SUBMIT_SQL). Pure: no server-only import, so lib/queue/sql.ts and bench/ can use it.

export type TProjectWork = "annotate" | "review";

/**
 * True when `user` may NOT do `work` on `project` (both SQL expressions): the project is archived or being
 * deleted, or it is restricted and the user is neither an admin nor a member with that right.
 */
export function workRefusedSql(project: string, user: string, work: TProjectWork): string {
  const right = work === "annotate" ? "annotates" : "reviews";
  return `EXISTS (SELECT 1 FROM projects wp WHERE wp.id = ${project} AND (
    wp.archived_at IS NOT NULL OR wp.deleting_at IS NOT NULL
    OR (wp.restricted
        AND NOT EXISTS (SELECT 1 FROM users wu WHERE wu.id = ${user} AND wu.role = 'admin')
        AND NOT EXISTS (SELECT 1 FROM project_members wm WHERE wm.project_id = wp.id AND wm.user_id = ${user} AND wm.${right}))))`;
}
