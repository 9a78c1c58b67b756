"use client";

import { useQueryClient } from "@tanstack/react-query";
import type { TSavedFilter } from "@/lib/exports/schemas";
import { exportKeys } from "./api";
import { ExportForm } from "./export-form";
import { ExportsList } from "./exports-list";

export function ExportWorkspace({ projectId, savedFilters, tasks, subtasks }: {
  projectId: number;
  savedFilters: TSavedFilter[];
  tasks: string[];
  subtasks: string[];
}) {
  const qc = useQueryClient();
  return (
    <div className="space-y-6">
      <ExportForm projectId={projectId} initialSaved={savedFilters} tasks={tasks} subtasks={subtasks}
        onStarted={() => void qc.invalidateQueries({ queryKey: exportKeys.list(projectId) })} />
      <section aria-labelledby="exports-heading" className="space-y-3">
        <h2 id="exports-heading" className="text-lg font-semibold">Exports</h2>
        <ExportsList projectId={projectId} />
      </section>
    </div>
  );
}
