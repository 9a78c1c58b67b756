// The browser side of every JSON call to the app's own API: one error type, one sign-in redirect.

export interface TIssue {
  path: string;
  message: string;
}

/** An error answer: the server's message, status, code (e.g. "paused") and zod issues for a 400. */
export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string, readonly issues: TIssue[] = []) {
    super(message);
  }
}

type TErrorBody = { error?: { message?: string; code?: string; details?: unknown } } | null;

let redirecting = false;

/** A signed-out session sends the whole page to sign-in once, however many calls fail together. */
export function redirectToSignIn(): void {
  if (redirecting) return;
  redirecting = true;
  const back = window.location.pathname + window.location.search;
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/signin?callbackUrl=${encodeURIComponent(back)}`);
}

/** The ApiError for an error answer's status and body (also for uploads sent with XHR). */
export function apiFailure(status: number, body: unknown): ApiError {
  if (status === 401) redirectToSignIn();
  const error = (body as TErrorBody)?.error;
  const issues = Array.isArray(error?.details) ? (error.details as TIssue[]) : [];
  return new ApiError(error?.message ?? `Request failed (${status}).`, status, error?.code, issues);
}

export async function callJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...init?.headers }, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw apiFailure(res.status, body);
  return body as T;
}
