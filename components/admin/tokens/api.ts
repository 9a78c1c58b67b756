import { callJson } from "@/components/ui/api-client";
import type { TTokenCreate, TTokenCreated, TTokenView } from "@/lib/pipeline-api/token-types";

export function createToken(input: TTokenCreate): Promise<TTokenCreated> {
  return callJson<TTokenCreated>("/api/tokens", { method: "POST", body: JSON.stringify(input) });
}

export async function revokeToken(id: number): Promise<TTokenView> {
  return (await callJson<{ token: TTokenView }>(`/api/tokens/${id}/revoke`, { method: "POST" })).token;
}
