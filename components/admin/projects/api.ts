import type { z } from "zod";
import type { ZProjectCreate } from "@/lib/imports/schemas";
import { callJson } from "@/components/admin/import/api";

export interface TCreatedProject {
  id: number;
  name: string;
  overlap: number;
}

export async function createProject(input: z.input<typeof ZProjectCreate>): Promise<TCreatedProject> {
  const r = await callJson<{ project: TCreatedProject }>("/api/projects", { method: "POST", body: JSON.stringify(input) });
  return r.project;
}

export function importPagePath(projectId: number): string {
  return `/admin/projects/${projectId}/import`;
}
