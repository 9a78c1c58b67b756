import Form from "next/form";
import Link from "next/link";
import { ROUTING_REASON_LABELS, ROUTING_REASONS, type TReviewFilters } from "@/lib/review/types";

/** The queue's filters as a GET form: the URL holds them, next/form re-renders without a reload. */
export function ReviewFilters({ projectId, filters, tasks, subtasks }: {
  projectId: number;
  filters: TReviewFilters;
  tasks: string[];
  subtasks: string[];
}) {
  // A value from the URL that no pair in review has any more stays selectable, so the form shows what is applied.
  const withCurrent = (values: string[], v: string | undefined) => (v && !values.includes(v) ? [v, ...values] : values);
  const select = "ml-1 rounded-md border border-neutral-300 bg-white px-1.5 py-0.5 text-sm";
  return (
    <Form action={`/review/${projectId}`} aria-label="Review queue filters"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
      <label className="text-sm">
        Routing reason
        <select name="reason" defaultValue={filters.reason ?? ""} className={select}>
          <option value="">All reasons</option>
          {ROUTING_REASONS.map((r) => <option key={r} value={r}>{ROUTING_REASON_LABELS[r]}</option>)}
        </select>
      </label>
      <label className="text-sm">
        Task
        <select name="task" defaultValue={filters.task ?? ""} className={select}>
          <option value="">All tasks</option>
          {withCurrent(tasks, filters.task).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="text-sm">
        Subtask
        <select name="subtask" defaultValue={filters.subtask ?? ""} className={select}>
          <option value="">All subtasks</option>
          {withCurrent(subtasks, filters.subtask).map((t) => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <button type="submit" className="rounded-md bg-indigo-600 px-2.5 py-0.5 text-sm font-medium text-white hover:bg-indigo-700">
        Apply filters
      </button>
      {filters.reason || filters.task || filters.subtask ? (
        <Link href={`/review/${projectId}`} className="self-center text-sm text-indigo-700 underline">Clear filters</Link>
      ) : null}
    </Form>
  );
}
