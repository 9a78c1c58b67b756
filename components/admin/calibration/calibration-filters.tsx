import Form from "next/form";
import Link from "next/link";
import type { TCalibrationFilter } from "@/lib/calibration/report";
import { versionLabel } from "@/lib/calibration/versions-report";

/** The selection as a GET form: the URL holds it (a link reproduces the view) and next/form re-renders without a reload. */
export function CalibrationFilters({ projectId, filter, targetPercent, precisionError, tasks, subtasks, versions }: {
  projectId: number;
  filter: TCalibrationFilter;
  targetPercent: number;
  precisionError: string | null;
  tasks: string[];
  subtasks: string[];
  /** The verifier versions in the comparison's summary and the ones compared (none ticked: all). */
  versions?: { all: string[]; compared: string[] };
}) {
  // A value from the URL that no final pair has stays selectable, so the form shows what is applied.
  const withCurrent = (values: string[], v: string | undefined) => (v && !values.includes(v) ? [v, ...values] : values);
  const field = "mt-1 block w-full rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm";
  const action = `/admin/projects/${projectId}/calibration`;
  return (
    <Form action={action} aria-label="Calibration selection and target precision"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-neutral-200 bg-white p-3">
      <label className="text-sm">
        Task
        <select name="task" defaultValue={filter.task ?? ""} className={field}>
          <option value="">All tasks</option>
          {withCurrent(tasks, filter.task).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="text-sm">
        Subtask
        <select name="subtask" defaultValue={filter.subtask ?? ""} className={field}>
          <option value="">All subtasks</option>
          {withCurrent(subtasks, filter.subtask).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="flex items-center gap-2 self-center text-sm">
        <input type="checkbox" name="gold" value="include" defaultChecked={filter.includeGold} className="h-4 w-4" />
        Include gold pairs
      </label>
      <div className="text-sm">
        <label htmlFor="target-precision">Target precision (%)</label>
        <input
          id="target-precision"
          name="precision"
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          step="any"
          defaultValue={targetPercent}
          aria-describedby={precisionError ? "target-precision-hint target-precision-error" : "target-precision-hint"}
          aria-invalid={precisionError ? true : undefined}
          className={`${field} w-32`}
        />
        <span id="target-precision-hint" className="sr-only">The lowest threshold of each score that reaches this precision is shown below.</span>
      </div>
      {versions && versions.all.length > 1 ? (
        <fieldset className="text-sm">
          <legend>Versions compared</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {versions.all.map((v) => (
              <label key={v} className="flex items-center gap-1">
                <input type="checkbox" name="version" value={v} defaultChecked={versions.compared.includes(v)} className="h-4 w-4" />
                {versionLabel(v)}
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
      <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">
        Show
      </button>
      {filter.task || filter.subtask || filter.includeGold ? (
        <Link href={action} className="self-center text-sm text-indigo-700 underline">Clear selection</Link>
      ) : null}
      {precisionError ? (
        <p id="target-precision-error" role="alert" className="basis-full text-sm text-red-700">
          {precisionError}
        </p>
      ) : null}
    </Form>
  );
}
