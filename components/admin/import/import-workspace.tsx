"use client";

import { useState } from "react";
import type { TVerifierScale } from "@/lib/quality/scales";
import { ImportsList } from "./imports-list";
import { PreviewStep } from "./preview-step";
import type { TPickedSource } from "./request";
import { SourceStep } from "./source-step";

export function ImportWorkspace({ projectId, scales }: { projectId: number; scales: readonly TVerifierScale[] }) {
  const [source, setSource] = useState<TPickedSource | null>(null);
  return (
    <>
      <section aria-labelledby="import-source-title" className="space-y-3">
        <h2 id="import-source-title" className="text-lg font-semibold">1. Source</h2>
        <SourceStep picked={source} onPick={setSource} />
      </section>
      {source ? (
        <section aria-labelledby="import-preview-title" className="space-y-3">
          <h2 id="import-preview-title" className="text-lg font-semibold">2. Preview and mapping</h2>
          {/* A new source starts from fresh settings. */}
          <PreviewStep key={JSON.stringify(source.request)} projectId={projectId} source={source} scales={scales} />
        </section>
      ) : null}
      <section aria-labelledby="import-list-title" className="space-y-3">
        <h2 id="import-list-title" className="text-lg font-semibold">Imports into this project</h2>
        <ImportsList projectId={projectId} />
      </section>
    </>
  );
}
