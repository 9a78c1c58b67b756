// Client-side calls for the annotator controls and the settings form; only types come from lib/.
import { ApiError, callJson, type TIssue } from "@/components/ui/api-client";

export { ApiError as RequestError, type TIssue };

/** A JSON call whose 400 message is zod's first issue (it names the field the form marks). */
export async function requestJson<T>(url: string, init: RequestInit): Promise<T> {
  try {
    return await callJson<T>(url, init);
  } catch (err) {
    const first = err instanceof ApiError ? err.issues[0] : undefined;
    if (err instanceof ApiError && first) throw new ApiError(first.message, err.status, err.code, err.issues);
    throw err;
  }
}

export function liftPauseRequest(projectId: number, userId: number): Promise<unknown> {
  return requestJson(`/api/projects/${projectId}/annotators/${userId}/pause`, { method: "DELETE" });
}

export function pauseRequest(projectId: number, userId: number, reason: string): Promise<unknown> {
  return requestJson(`/api/projects/${projectId}/annotators/${userId}/pause`, { method: "POST", body: JSON.stringify({ reason }) });
}
