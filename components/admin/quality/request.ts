// Client-side calls for the admin's annotator controls and the settings form. Only types come from
// lib/ (erased at build time): client code never imports the data layer.

export interface TIssue {
  path: string;
  message: string;
}

export class RequestError extends Error {
  constructor(message: string, readonly status: number, readonly issues: TIssue[] = []) {
    super(message);
  }
}

/** JSON request with the app's error shape turned into a RequestError carrying zod's issues. */
export async function requestJson<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...init.headers }, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as
    | { error?: { message?: string; details?: unknown } }
    | null;
  if (!res.ok) {
    if (res.status === 401) {
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
    }
    const details = Array.isArray(body?.error?.details) ? (body.error.details as TIssue[]) : [];
    // zod's own messages name the field; the route prefixes the path, which the form shows apart.
    const message = details[0]?.message ?? body?.error?.message ?? `Request failed (${res.status}).`;
    throw new RequestError(message, res.status, details);
  }
  return body as T;
}

export function liftPauseRequest(projectId: number, userId: number): Promise<unknown> {
  return requestJson(`/api/projects/${projectId}/annotators/${userId}/pause`, { method: "DELETE" });
}

export function pauseRequest(projectId: number, userId: number, reason: string): Promise<unknown> {
  return requestJson(`/api/projects/${projectId}/annotators/${userId}/pause`, { method: "POST", body: JSON.stringify({ reason }) });
}
