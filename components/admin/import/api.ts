// Client-side calls for the import pages: only types and two constant lists come from lib/imports.
import type {
  TBrowseResponse,
  TImportRequest,
  TImportView,
  TPreviewResponse,
  TUploadResponse,
} from "@/lib/imports/schemas";
import { ApiError, apiFailure, callJson } from "@/components/ui/api-client";

export { ApiError, callJson };

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

/** PUT the file as the raw body, by XMLHttpRequest because only it reports upload progress; the browser streams it. */
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
      const err = apiFailure(xhr.status, body);
      if (xhr.status === 413 && !(body as { error?: { message?: string } } | null)?.error?.message) {
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
