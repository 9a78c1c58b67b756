// Client-side calls for the admin import pages. Only types (and two constant lists) come from
// lib/imports: client code never imports the data layer.
import type {
  TBrowseResponse,
  TImportRequest,
  TImportView,
  TPreviewResponse,
  TUploadResponse,
} from "@/lib/imports/schemas";

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

type TErrorBody = { error?: { message?: string; code?: string } } | null;

let redirecting = false;

/** A signed-out session sends the whole page to sign-in once, however many calls fail together. */
function redirectToSignIn(): void {
  if (redirecting) return;
  redirecting = true;
  // eslint-disable-next-line @next/next/no-location-assign-relative-destination
  window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
}

function failure(status: number, body: TErrorBody): ApiError {
  if (status === 401) redirectToSignIn();
  return new ApiError(body?.error?.message ?? `Request failed (${status}).`, status, body?.error?.code);
}

export async function callJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, {
    ...init,
    headers: { "Content-Type": "application/json", ...init?.headers },
    cache: "no-store",
  });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) throw failure(res.status, body as TErrorBody);
  return body as T;
}

export const importKeys = {
  all: ["imports"] as const,
  list: (projectId: number) => ["imports", "project", projectId] as const,
  /** Keyed by the exact request body, so equal settings share one preview. */
  preview: (projectId: number, requestJson: string) => ["imports", "preview", projectId, requestJson] as const,
  browse: (dir: string) => ["imports", "browse", dir] as const,
};

export function browseImportRoot(dir: string, signal?: AbortSignal): Promise<TBrowseResponse> {
  return callJson(`/api/import-root?dir=${encodeURIComponent(dir)}`, { signal });
}

export function fetchPreview(projectId: number, requestJson: string, signal?: AbortSignal): Promise<TPreviewResponse> {
  return callJson(`/api/projects/${projectId}/imports/preview`, { method: "POST", body: requestJson, signal });
}

export async function startImport(projectId: number, request: TImportRequest): Promise<TImportView> {
  const r = await callJson<{ import: TImportView }>(`/api/projects/${projectId}/imports`, {
    method: "POST",
    body: JSON.stringify(request),
  });
  return r.import;
}

export async function listImports(projectId: number, signal?: AbortSignal): Promise<TImportView[]> {
  const r = await callJson<{ imports: TImportView[] }>(`/api/projects/${projectId}/imports`, { signal });
  return r.imports;
}

export async function cancelImport(importId: string): Promise<TImportView> {
  const r = await callJson<{ import: TImportView }>(`/api/imports/${encodeURIComponent(importId)}/cancel`, {
    method: "POST",
    body: "{}",
  });
  return r.import;
}

/** Puts a failed or cancelled import back in the queue; it continues from its checkpoint. */
export async function resumeImport(importId: string): Promise<TImportView> {
  const r = await callJson<{ import: TImportView }>(`/api/imports/${encodeURIComponent(importId)}/resume`, {
    method: "POST",
    body: "{}",
  });
  return r.import;
}

export interface TUploadProgress {
  loaded: number;
  total: number;
}

/**
 * PUT the file as the raw request body. XMLHttpRequest rather than fetch because only it reports
 * upload progress; the File is handed over as is, so the browser streams it from disk.
 */
export function uploadFile(
  file: File,
  { onProgress, signal }: { onProgress?: (p: TUploadProgress) => void; signal?: AbortSignal } = {},
): Promise<TUploadResponse> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", `/api/uploads?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.responseType = "text";
    xhr.upload.onprogress = (e) => {
      onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // A proxy's HTML error page: fall through to the status-based message.
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as TUploadResponse);
        return;
      }
      const err = failure(xhr.status, body as TErrorBody);
      if (xhr.status === 413 && !(body as TErrorBody)?.error?.message) {
        err.message = "The file is larger than the server accepts for uploads.";
      }
      reject(err);
    };
    xhr.onerror = () => reject(new ApiError("The upload was interrupted: could not reach the server.", 0));
    xhr.onabort = () => reject(new DOMException("Upload cancelled.", "AbortError"));
    if (signal) {
      if (signal.aborted) {
        reject(new DOMException("Upload cancelled.", "AbortError"));
        return;
      }
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
    }
    xhr.send(file);
  });
}
