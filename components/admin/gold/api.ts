// Client-side calls for the gold page; only types come from lib/quality.
import { callJson } from "@/components/admin/import/api";

export { ApiError } from "@/components/admin/import/api";

export type TGoldDecision = "accept" | "reject" | "recaption";

export async function saveGoldAnswer(
  pairId: string,
  body: { decision: TGoldDecision; reasons: string[]; instruction: string | null },
): Promise<{ gold: { checks: number; correctBefore: number; correctAfter: number } }> {
  return callJson(`/api/gold/${pairId}`, { method: "PATCH", body: JSON.stringify(body) });
}

export async function saveGoldActive(pairId: string, active: boolean): Promise<{ active: boolean; changed: boolean }> {
  return callJson(`/api/gold/${pairId}/active`, { method: "PUT", body: JSON.stringify({ active }) });
}

export async function promoteToGold(projectId: number, pairId: string): Promise<unknown> {
  return callJson(`/api/gold`, { method: "POST", body: JSON.stringify({ projectId, pairId }) });
}
