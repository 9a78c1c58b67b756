"use client";

import { useMutation } from "@tanstack/react-query";
import { useId, useRef, useState, type ChangeEvent, type DragEvent } from "react";
import type { TUploadResponse } from "@/lib/imports/schemas";
import { uploadFile, type TUploadProgress } from "./api";
import { formatBytes } from "./format";
import type { TPickedSource } from "./request";

function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

export function UploadSource({ onPick }: { onPick: (source: TPickedSource | null) => void }) {
  const inputId = useId();
  const [dragOver, setDragOver] = useState(false);
  const [progress, setProgress] = useState<TUploadProgress | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const upload = useMutation<TUploadResponse, Error, File>({
    mutationFn: (file) => {
      abortRef.current?.abort();
      const controller = new AbortController();
      abortRef.current = controller;
      setProgress({ loaded: 0, total: file.size });
      return uploadFile(file, { onProgress: setProgress, signal: controller.signal });
    },
    onSuccess: (res) => {
      onPick({ request: { kind: "upload", uploadId: res.uploadId }, label: `${res.name} (${formatBytes(res.size)})` });
    },
    onSettled: () => {
      abortRef.current = null;
    },
  });

  const start = (files: FileList | null) => {
    const file = files?.[0];
    if (!file) return;
    setNote(files.length > 1 ? `Only one file at a time: uploading ${file.name}.` : null);
    onPick(null);
    upload.mutate(file);
  };

  const onInput = (e: ChangeEvent<HTMLInputElement>) => {
    start(e.currentTarget.files);
    e.currentTarget.value = ""; // choosing the same file again uploads it again
  };

  const dragHandlers = {
    onDragEnter: (e: DragEvent<HTMLDivElement>) => {
      if (!e.dataTransfer.types.includes("Files")) return;
      e.preventDefault();
      setDragOver(true);
    },
    onDragOver: (e: DragEvent<HTMLDivElement>) => {
      if (!e.dataTransfer.types.includes("Files")) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
    },
    onDragLeave: (e: DragEvent<HTMLDivElement>) => {
      if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
      setDragOver(false);
    },
    onDrop: (e: DragEvent<HTMLDivElement>) => {
      e.preventDefault();
      setDragOver(false);
      if (upload.isPending) return;
      start(e.dataTransfer.files);
    },
  };

  const percent = progress && progress.total > 0 ? Math.min(100, Math.floor((progress.loaded / progress.total) * 100)) : 0;
  const cancelled = upload.isError && isAbort(upload.error);

  return (
    <div className="space-y-3">
      <div
        {...dragHandlers}
        className={`flex flex-col items-center gap-3 rounded-lg border-2 border-dashed p-6 text-center text-sm ${
          dragOver ? "border-indigo-500 bg-indigo-50" : "border-neutral-300 bg-neutral-50"
        }`}
      >
        <p className="text-neutral-700">Drop a JSONL, CSV or Parquet file here, or</p>
        <div>
          <input id={inputId} type="file" className="peer sr-only" onChange={onInput} disabled={upload.isPending} />
          <label
            htmlFor={inputId}
            className="inline-block cursor-pointer rounded-md bg-indigo-600 px-3 py-1.5 text-white peer-disabled:cursor-not-allowed peer-disabled:opacity-60 peer-focus-visible:outline-2 peer-focus-visible:outline-offset-2 peer-focus-visible:outline-indigo-500"
          >
            Choose a file
          </label>
        </div>
        <p className="text-xs text-neutral-500">The file is streamed to the server; large files are fine up to the server&apos;s upload limit.</p>
      </div>

      {upload.isPending && progress ? (
        <div className="space-y-1">
          <div className="flex items-center justify-between text-sm">
            <span>Uploading… {formatBytes(progress.loaded)} of {formatBytes(progress.total)}</span>
            <button type="button" onClick={() => abortRef.current?.abort()} className="rounded border border-neutral-300 px-2 py-0.5 text-sm">
              Cancel upload
            </button>
          </div>
          <div
            role="progressbar"
            aria-label="Upload progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={`${percent}% (${formatBytes(progress.loaded)} of ${formatBytes(progress.total)})`}
            className="h-2 overflow-hidden rounded bg-neutral-200"
          >
            <div className="h-full bg-indigo-600 transition-[width]" style={{ width: `${percent}%` }} />
          </div>
        </div>
      ) : null}

      {upload.isSuccess ? (
        <p className="text-sm text-emerald-700">
          Uploaded <span className="font-medium">{upload.data.name}</span> ({formatBytes(upload.data.size)}).
        </p>
      ) : null}
      {note ? <p className="text-sm text-neutral-600">{note}</p> : null}
      <div role="alert" className="text-sm text-red-700">
        {upload.isError && !cancelled ? `Upload failed: ${upload.error.message}` : null}
      </div>
      {cancelled ? <p className="text-sm text-neutral-600">Upload cancelled.</p> : null}
    </div>
  );
}
