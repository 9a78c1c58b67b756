// Request bodies of the project admin routes (team, rename, archive, reasons, delete). Pure: the UI imports the types.
import { z } from "zod";
import { ZRejectReasons } from "./reasons";

export const ZTeamInput = z.object({
  restricted: z.boolean(),
  members: z
    .array(z.object({ userId: z.number().int().positive(), annotates: z.boolean(), reviews: z.boolean() }))
    .max(10_000),
});
export type TTeamInput = z.infer<typeof ZTeamInput>;

export const ZProjectPatch = z
  .object({
    name: z.string().trim().min(1, "Give the project a name.").max(120, "A project name can be at most 120 characters.").optional(),
    archived: z.boolean().optional(),
  })
  .refine((p) => p.name !== undefined || p.archived !== undefined, "Nothing to change.");
export type TProjectPatch = z.infer<typeof ZProjectPatch>;

export const ZReasonsInput = z.object({ reasons: ZRejectReasons });

export const ZProjectDelete = z.object({ confirmName: z.string().max(200) });

/** What deleting a project removes, shown before the typed confirmation. */
export interface TDeletionAccount {
  name: string;
  pairs: number;
  labels: number;
  /**
   * Distinct images the pairs reference (null: not counted, the project is too large to count them on a
   * page load); the files stay in the store, which other projects may share.
   */
  images: number | null;
  exports: number;
  imports: number;
  webhooks: number;
}

/** One annotator or reviewer as the team editor lists them, with what they may do on the project. */
export interface TTeamMember {
  id: number;
  name: string;
  email: string;
  role: "annotator" | "reviewer";
  annotates: boolean;
  reviews: boolean;
}
