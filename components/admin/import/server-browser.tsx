"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { browseImportRoot, importKeys } from "./api";
import { formatBytes } from "./format";
import { parentDir, ROOT_PATH } from "./paths";
import type { TPickedSource } from "./request";

const rowButton =
  "flex w-full items-center gap-2 rounded px-2 py-1 text-left hover:bg-neutral-100 aria-pressed:bg-indigo-50 aria-pressed:font-medium";

export function ServerBrowser({ active, picked, onPick }: {
  /** Only list the folder once this part of the page is shown. */
  active: boolean;
  picked: string | null;
  onPick: (source: TPickedSource) => void;
}) {
  const [dir, setDir] = useState("");
  const browse = useQuery({
    queryKey: importKeys.browse(dir),
    queryFn: ({ signal }) => browseImportRoot(dir, signal),
    enabled: active,
    placeholderData: keepPreviousData,
    staleTime: 5_000,
  });

  const pick = (path: string, isDir: boolean) => onPick({ request: { kind: "path", path }, label: isDir ? `${path === ROOT_PATH ? "the whole import folder" : `${path}/`}` : path });

  if (!active && !browse.data) return null;
  if (browse.isPending) return <p role="status" className="text-sm text-neutral-600">Loading the server folder…</p>;
  if (browse.isError) {
    return (
      <div role="alert" className="space-y-2 text-sm text-red-700">
        <p>Could not list the folder: {browse.error.message}</p>
        <button type="button" onClick={() => void browse.refetch()} className="rounded border border-neutral-300 px-2 py-0.5 text-neutral-900">
          Try again
        </button>
      </div>
    );
  }

  const data = browse.data;
  if (data.root === null) {
    return (
      <div role="note" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
        <p className="font-medium">No import folder is configured on the server.</p>
        <p className="mt-1">
          Set <code>LOUPE_IMPORT_ROOT</code> to a folder on the server (for example <code>/data/imports</code>) and restart Loupe;
          files under it can then be picked here. Large imports are best copied there rather than uploaded.
        </p>
      </div>
    );
  }

  const current = data.dir;
  const shownPath = current ? `${data.root.replace(/\/$/, "")}/${current}` : data.root;
  const currentAsSource = current || ROOT_PATH;
  return (
    <div className="space-y-2 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <p>
          Folder: <code className="rounded bg-neutral-100 px-1">{shownPath}</code>
          {browse.isFetching ? <span className="ml-2 text-neutral-500" role="status">Loading…</span> : null}
        </p>
        <button
          type="button"
          onClick={() => pick(currentAsSource, true)}
          aria-pressed={picked === currentAsSource}
          className="ml-auto rounded border border-neutral-300 px-2 py-0.5 aria-pressed:border-indigo-500 aria-pressed:bg-indigo-50"
        >
          Use this whole folder
        </button>
      </div>
      <ul aria-label={`Contents of ${current || "the import folder"}`} className="max-h-80 overflow-auto rounded border border-neutral-200 p-1">
        {current ? (
          <li>
            <button type="button" onClick={() => setDir(parentDir(current))} className={rowButton} aria-label="Up to the parent folder">
              <span aria-hidden>↑</span> ..
            </button>
          </li>
        ) : null}
        {data.entries.length === 0 ? <li className="px-2 py-1 text-neutral-500">This folder is empty.</li> : null}
        {data.entries.map((entry) => (
          <li key={entry.path}>
            {entry.kind === "dir" ? (
              <button type="button" onClick={() => setDir(entry.path)} className={rowButton} aria-label={`Open folder ${entry.name}`}>
                <span className="font-medium text-indigo-800">{entry.name}/</span>
              </button>
            ) : (
              <button type="button" onClick={() => pick(entry.path, false)} aria-pressed={picked === entry.path} className={rowButton}>
                <span>{entry.name}</span>
                {entry.size !== null ? <span className="ml-auto text-xs text-neutral-500">{formatBytes(entry.size)}</span> : null}
              </button>
            )}
          </li>
        ))}
      </ul>
      <p className="text-neutral-600">Pick a file, or use a whole folder to import every file in it.</p>
    </div>
  );
}
