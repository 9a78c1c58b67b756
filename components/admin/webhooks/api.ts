import type {
  TDeliveryPage,
  TDeliveryView,
  TEndpointCreate,
  TEndpointView,
  TEndpointWithSecret,
  TWebhookEvent,
} from "@/lib/webhooks/schemas";
import { callJson } from "@/components/ui/api-client";

export const webhookKeys = {
  all: ["webhooks"] as const,
  list: (projectId: number) => ["webhooks", "project", projectId] as const,
  deliveries: (endpointId: number) => ["webhooks", "deliveries", endpointId] as const,
};

export async function listEndpoints(projectId: number, signal?: AbortSignal): Promise<TEndpointView[]> {
  return (await callJson<{ endpoints: TEndpointView[] }>(`/api/projects/${projectId}/webhooks`, { signal })).endpoints;
}

export function createEndpoint(projectId: number, body: TEndpointCreate): Promise<TEndpointWithSecret> {
  return callJson(`/api/projects/${projectId}/webhooks`, { method: "POST", body: JSON.stringify(body) });
}

export async function updateEndpoint(
  endpointId: number,
  body: { url?: string; events?: TWebhookEvent[]; description?: string; active?: boolean },
): Promise<TEndpointView> {
  return (await callJson<{ endpoint: TEndpointView }>(`/api/webhooks/${endpointId}`, { method: "PATCH", body: JSON.stringify(body) })).endpoint;
}

export async function deleteEndpoint(endpointId: number): Promise<void> {
  await callJson(`/api/webhooks/${endpointId}`, { method: "DELETE" });
}

export function rotateSecret(endpointId: number, keepPrevious: boolean): Promise<TEndpointWithSecret> {
  return callJson(`/api/webhooks/${endpointId}/secret`, { method: "POST", body: JSON.stringify({ keepPrevious }) });
}

export async function sendTestEvent(endpointId: number): Promise<TDeliveryView> {
  return (await callJson<{ delivery: TDeliveryView }>(`/api/webhooks/${endpointId}/test`, { method: "POST" })).delivery;
}

export function listDeliveries(endpointId: number, before: string | null, signal?: AbortSignal): Promise<TDeliveryPage> {
  const q = before ? `?before=${encodeURIComponent(before)}` : "";
  return callJson(`/api/webhooks/${endpointId}/deliveries${q}`, { signal });
}

export async function redeliver(endpointId: number, deliveryId: string): Promise<TDeliveryView> {
  return (await callJson<{ delivery: TDeliveryView }>(`/api/webhooks/${endpointId}/deliveries/${deliveryId}/redeliver`, { method: "POST" }))
    .delivery;
}
