// Shapes of the token management API (/api/tokens), shared by the routes and the admin page. Pure.
import { z } from "zod";

export const TOKEN_EXPIRY_DAYS = [30, 90, 365] as const;

export const ZTokenCreate = z.object({
  name: z.string().trim().min(1, "Name the token (e.g. the pipeline that will use it).").max(100),
  projectIds: z
    .array(z.number().int().positive())
    .min(1, "Choose at least one project.")
    .max(200)
    .transform((ids) => [...new Set(ids)].sort((a, b) => a - b)),
  /** Days until the token stops working; null: it never expires (until revoked). */
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});
export type TTokenCreate = z.input<typeof ZTokenCreate>;

export type TTokenStatus = "active" | "revoked" | "expired";

export interface TTokenView {
  id: number;
  name: string;
  /** The token's first characters, e.g. "loupe_AbC1", to tell tokens apart. */
  hint: string;
  owner: { id: number; name: string; email: string };
  projects: { id: number; name: string }[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: TTokenStatus;
}

export interface TTokenCreated {
  /** Shown once: only its hash is stored. */
  token: string;
  view: TTokenView;
}
