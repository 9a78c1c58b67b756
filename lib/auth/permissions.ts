// The one permission table. Anything not listed is denied. Server code checks it next to the data;
// the UI reads the same table only to decide which controls to show.
export const ROLES = ["admin", "reviewer", "annotator"] as const;
export type TRole = (typeof ROLES)[number];

/** The signed-in user as the permission table sees them (read fresh per request by lib/auth/session.ts). */
export interface TSessionUser {
  id: number;
  email: string;
  name: string;
  role: TRole;
}

const TABLE = {
  "annotate:pair": ["admin", "reviewer", "annotator"],
  "project:list": ["admin", "reviewer", "annotator"],
  // One's own account: change the password, sign out everywhere.
  "account:manage": ["admin", "reviewer", "annotator"],
  "image:read": ["admin", "reviewer", "annotator"],
  "review:label:any": ["admin", "reviewer"],
  "gold:promote": ["admin", "reviewer"],
  // The data browser (lib/browse): reviewers look, admins act (pairs:manage: send to review, reopen, bulk).
  "pairs:browse": ["admin", "reviewer"],
  "pairs:manage": ["admin"],
  "quality:view": ["admin"],
  // The Dataset quality page and its JSON (audit estimates): reviewers may read it; drawing a round is project:manage.
  "dataset:quality:view": ["admin", "reviewer"],
  "project:manage": ["admin"],
  "user:manage": ["admin"],
  "audit:read": ["admin"],
  "admin:view": ["admin"],
  "export:project": ["admin"],
  "import:project": ["admin"],
  "webhook:manage": ["admin"],
  // The pipeline API (lib/pipeline-api). Tokens are for admins: posting pairs is an import and reading final
  // labels an export, both admin-only in the UI. A token acts with its owner's role as it is now.
  "api:token:manage": ["admin"],
  "api:pairs:write": ["admin"],
  "api:labels:read": ["admin"],
  "api:progress:read": ["admin"],
  "api:calibration:read": ["admin"],
  "api:docs:read": ["admin", "reviewer", "annotator"],
} as const satisfies Record<string, readonly TRole[]>;

export type TPermission = keyof typeof TABLE;

export function can(role: TRole | null | undefined, permission: string): boolean {
  if (!role) return false;
  const allowed = Object.hasOwn(TABLE, permission)
    ? (TABLE as Record<string, readonly TRole[]>)[permission]
    : undefined;
  return allowed ? allowed.includes(role) : false;
}
