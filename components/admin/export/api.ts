// Client-side calls for the export page: only types come from lib/exports, never the data layer.
import type { TExportCountRequest, TExportCreate, TExportView, TSavedFilter, TSavedFilterInput } from "@/lib/exports/schemas";
import { callJson } from "@/components/ui/api-client";

export const exportKeys = {
  all: ["exports"] as const,
  list: (projectId: number) => ["exports", "project", projectId] as const,
  savedFilters: (projectId: number) => ["exports", "filters", projectId] as const,
};

export async function startExport(projectId: number, body: TExportCreate): Promise<TExportView> {
  const r = await callJson<{ export: TExportView }>(`/api/projects/${projectId}/exports`, { method: "POST", body: JSON.stringify(body) });
  return r.export;
}

export async function listExports(projectId: number, signal?: AbortSignal): Promise<TExportView[]> {
  const r = await callJson<{ exports: TExportView[] }>(`/api/projects/${projectId}/exports`, { signal });
  return r.exports;
}

export async function cancelExport(exportId: string): Promise<TExportView> {
  const r = await callJson<{ export: TExportView }>(`/api/exports/${encodeURIComponent(exportId)}/cancel`, { method: "POST", body: "{}" });
  return r.export;
}

export async function listSavedFilters(projectId: number, signal?: AbortSignal): Promise<TSavedFilter[]> {
  const r = await callJson<{ filters: TSavedFilter[] }>(`/api/projects/${projectId}/export-filters`, { signal });
  return r.filters;
}

export async function saveFilter(projectId: number, body: TSavedFilterInput): Promise<TSavedFilter> {
  const r = await callJson<{ filter: TSavedFilter }>(`/api/projects/${projectId}/export-filters`, { method: "POST", body: JSON.stringify(body) });
  return r.filter;
}

export async function deleteFilter(projectId: number, filterId: number): Promise<void> {
  await callJson(`/api/projects/${projectId}/export-filters/${filterId}`, { method: "DELETE" });
}

export async function countExport(projectId: number, body: TExportCountRequest, signal?: AbortSignal): Promise<{ pairs: number; exact: boolean }> {
  return callJson(`/api/projects/${projectId}/exports/count`, { method: "POST", body: JSON.stringify(body), signal });
}
