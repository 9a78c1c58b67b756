"use client";

import { useId, useState } from "react";
import type { TImportSource, TPickedSource } from "./request";
import { ServerBrowser } from "./server-browser";
import { UploadSource } from "./upload-source";

type Kind = TImportSource["kind"];

const KINDS: { kind: Kind; label: string }[] = [
  { kind: "upload", label: "Upload a file" },
  { kind: "path", label: "File on the server" },
];

export function SourceStep({ picked, onPick }: { picked: TPickedSource | null; onPick: (source: TPickedSource | null) => void }) {
  const id = useId();
  const [kind, setKind] = useState<Kind>(picked?.request.kind ?? "upload");
  return (
    <div className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
      <fieldset>
        <legend className="text-sm font-medium">Where are the rows?</legend>
        <div className="mt-2 flex flex-wrap gap-4">
          {KINDS.map((k) => (
            <label key={k.kind} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name={`${id}-kind`}
                value={k.kind}
                checked={kind === k.kind}
                onChange={() => setKind(k.kind)}
                aria-controls={`${id}-${k.kind}`}
              />
              {k.label}
            </label>
          ))}
        </div>
      </fieldset>
      {/* Both stay mounted so switching back does not lose an upload in flight or the folder open. */}
      <div id={`${id}-upload`} hidden={kind !== "upload"}>
        <UploadSource onPick={onPick} />
      </div>
      <div id={`${id}-path`} hidden={kind !== "path"}>
        <ServerBrowser active={kind === "path"} picked={picked?.request.kind === "path" ? picked.request.path : null} onPick={onPick} />
      </div>
      <p role="status" className="text-sm">
        {picked ? (
          <>
            Source: <span className="font-medium">{picked.label}</span>
          </>
        ) : (
          <span className="text-neutral-600">No source chosen yet.</span>
        )}
      </p>
    </div>
  );
}
