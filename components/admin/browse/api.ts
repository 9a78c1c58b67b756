// Client-side calls for the data browser; the server checks every permission again.
import { callJson } from "@/components/ui/api-client";

export type TBulkAction = "review" | "retire-gold" | "export";

export function promotePairToGold(projectId: number, pairId: string): Promise<unknown> {
  return callJson(`/api/gold`, { method: "POST", body: JSON.stringify({ projectId, pairId }) });
}

export function sendPairToReview(projectId: number, pairId: string): Promise<{ status: string }> {
  return callJson(`/api/projects/${projectId}/pairs/${pairId}/review`, { method: "POST", body: "{}" });
}

export function reopenPair(projectId: number, pairId: string): Promise<{ status: string }> {
  return callJson(`/api/projects/${projectId}/pairs/${pairId}/reopen`, { method: "POST", body: "{}" });
}

export function countBulk(projectId: number, action: TBulkAction, filters: Record<string, unknown>): Promise<{ count: number; limit: number }> {
  return callJson(`/api/projects/${projectId}/pairs/bulk/count`, { method: "POST", body: JSON.stringify({ action, filters }) });
}

export function runBulk(
  projectId: number,
  action: TBulkAction,
  filters: Record<string, unknown>,
  expected: number,
): Promise<{ changed: number; exportId?: string }> {
  return callJson(`/api/projects/${projectId}/pairs/bulk`, { method: "POST", body: JSON.stringify({ action, filters, expected }) });
}
