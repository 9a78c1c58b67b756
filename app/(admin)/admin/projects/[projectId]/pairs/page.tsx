import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { projectIdParam, requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { AppError, NotFoundError } from "@/lib/errors";
import { getProjectForAnnotator } from "@/lib/projects/queries";
import { browseChoices, listPairs, SCAN_LIMIT, type TBrowsePage } from "@/lib/browse/queries";
import {
  BROWSE_DECISIONS,
  BROWSE_SORTS,
  BROWSE_VERIFIER,
  describeBrowseFilters,
  filtersToSearch,
  hasFilters,
  PAIR_STATUSES,
  parseBrowseSearch,
  SORT_WORDS,
  type TBrowseFilters,
  type TBrowseSort,
} from "@/lib/browse/filters";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { LocalTime } from "@/components/admin/quality/local-time";
import { BulkActions } from "@/components/admin/browse/bulk-actions";

export const metadata: Metadata = { title: "Pairs" };
export const dynamic = "force-dynamic";

const STATUS_WORDS = { open: "Open", labelled: "Labelled", in_review: "In review", final: "Final" } as const;
const DECISION_WORDS = { accept: "Accept", reject: "Reject", recaption: "Re-caption" } as const;
const VERIFIER_WORDS = { keeps: "Keeps", drops: "Drops", none: "No verdict" } as const;

function href(base: string, filters: TBrowseFilters, sort: TBrowseSort, cursor?: string): string {
  const q = new URLSearchParams(filtersToSearch(filters));
  if (sort !== "newest") q.set("sort", sort);
  if (cursor) q.set("cursor", cursor);
  return q.size ? `${base}?${q}` : base;
}

export default async function PairsPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("pairs:browse", `/admin/projects/${raw}/pairs`);
  const projectId = projectIdParam(raw);
  const project = await getProjectForAnnotator(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const search = await searchParams;
  let problem: string | null = null;
  let parsed: ReturnType<typeof parseBrowseSearch> = { filters: {}, sort: "newest" };
  try {
    parsed = parseBrowseSearch(search);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    problem = err.message;
  }
  const { filters, sort, cursor } = parsed;
  const [choices, page] = await Promise.all([
    browseChoices(db, projectId),
    problem ? Promise.resolve<TBrowsePage>({ rows: [], nextCursor: null, searched: null }) : listPairs(db, projectId, filters, { sort, cursor }).catch((err) => {
      if (err instanceof AppError) {
        problem = err.message;
        return { rows: [], nextCursor: null, searched: null } satisfies TBrowsePage;
      }
      throw err;
    }),
  ]);
  const base = `/admin/projects/${projectId}/pairs`;
  const manage = can(user.role, "pairs:manage");
  const filtered = hasFilters(filters);
  const annotatorName = choices.annotators.find((a) => a.id === filters.annotator)?.name;
  const field = "mt-1 w-full rounded border border-neutral-300 bg-white px-2 py-1";

  return (
    <>
      <AppHeader user={user} title={`Pairs · ${project.name}`} />
      <main className="mx-auto max-w-7xl space-y-5 p-6">
        <Breadcrumb parent={can(user.role, "admin:view") ? { href: "/admin", label: "Admin" } : { href: "/review", label: "Review" }} current={project.name} />
        {can(user.role, "admin:view") ? <ProjectNav projectId={projectId} projectName={project.name} current="pairs" /> : null}
        <h1 className="text-2xl font-semibold">Pairs in {project.name}</h1>

        <form method="get" action={base} aria-label="Filter pairs" className="grid gap-3 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-4">
          <label className="text-sm sm:col-span-2">
            Search the instructions
            <input type="search" name="q" defaultValue={filters.q ?? ""} placeholder='words, "a phrase", -without' className={field} />
          </label>
          <label className="text-sm">
            Task
            <select name="task" defaultValue={filters.task ?? ""} className={field}>
              <option value="">Any task</option>
              {[...new Set([...choices.tasks, ...(filters.task ? [filters.task] : [])])].map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label className="text-sm">
            Subtask
            <select name="subtask" defaultValue={filters.subtask ?? ""} className={field}>
              <option value="">Any subtask</option>
              {[...new Set([...choices.subtasks, ...(filters.subtask ? [filters.subtask] : [])])].map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <fieldset className="text-sm">
            <legend>Status</legend>
            {PAIR_STATUSES.map((s) => (
              <label key={s} className="mr-3 inline-flex items-center gap-1">
                <input type="checkbox" name="status" value={s} defaultChecked={filters.status?.includes(s)} /> {STATUS_WORDS[s]}
              </label>
            ))}
          </fieldset>
          <fieldset className="text-sm">
            <legend>Final decision</legend>
            {BROWSE_DECISIONS.map((d) => (
              <label key={d} className="mr-3 inline-flex items-center gap-1">
                <input type="checkbox" name="decision" value={d} defaultChecked={filters.decision?.includes(d)} /> {DECISION_WORDS[d]}
              </label>
            ))}
          </fieldset>
          <fieldset className="text-sm">
            <legend>Verifier verdict (active version)</legend>
            {BROWSE_VERIFIER.map((v) => (
              <label key={v} className="mr-3 inline-flex items-center gap-1">
                <input type="checkbox" name="verifier" value={v} defaultChecked={filters.verifier?.includes(v)} /> {VERIFIER_WORDS[v]}
              </label>
            ))}
          </fieldset>
          <label className="text-sm">
            Gold
            <select name="gold" defaultValue={filters.gold ?? ""} className={field}>
              <option value="">Gold and regular pairs</option>
              <option value="only">Gold only</option>
              <option value="active">Active gold</option>
              <option value="retired">Retired gold</option>
              <option value="exclude">No gold</option>
            </select>
          </label>
          <label className="text-sm">
            Verifier version
            <select name="version" defaultValue={filters.version ?? ""} className={field}>
              <option value="">Any (scores: the active copy)</option>
              {[...new Set([...choices.versions.filter(Boolean), ...(filters.version ? [filters.version] : [])])].map((v) => <option key={v} value={v}>{v}</option>)}
            </select>
          </label>
          <label className="text-sm">
            Score
            <select name="scoreKey" defaultValue={filters.scoreKey ?? ""} className={field}>
              <option value="">No score range</option>
              {[...new Set([...choices.scoreKeys, ...(filters.scoreKey ? [filters.scoreKey] : [])])].map((k) => <option key={k} value={k}>{k}</option>)}
            </select>
          </label>
          <div className="grid grid-cols-2 gap-2 text-sm">
            <label>From<input type="number" step="any" name="scoreMin" defaultValue={filters.scoreMin ?? ""} className={field} /></label>
            <label>To<input type="number" step="any" name="scoreMax" defaultValue={filters.scoreMax ?? ""} className={field} /></label>
          </div>
          <label className="text-sm">
            Labelled by
            <select name="annotator" defaultValue={filters.annotator ? String(filters.annotator) : ""} className={field}>
              <option value="">Anyone</option>
              {choices.annotators.map((a) => <option key={a.id} value={String(a.id)}>{a.name}</option>)}
            </select>
          </label>
          <label className="text-sm">Added from<input type="date" name="createdFrom" defaultValue={filters.createdFrom ?? ""} className={field} /></label>
          <label className="text-sm">Added before<input type="date" name="createdBefore" defaultValue={filters.createdBefore ?? ""} className={field} /></label>
          <label className="text-sm">Finalised from<input type="date" name="finalizedFrom" defaultValue={filters.finalizedFrom ?? ""} className={field} /></label>
          <label className="text-sm">Finalised before<input type="date" name="finalizedBefore" defaultValue={filters.finalizedBefore ?? ""} className={field} /></label>
          <label className="text-sm">
            Sort
            <select name="sort" defaultValue={sort} className={field}>
              {BROWSE_SORTS.map((s) => <option key={s} value={s}>{SORT_WORDS[s]}</option>)}
            </select>
          </label>
          <div className="flex items-end gap-3 sm:col-span-3">
            <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm text-white">Apply filters</button>
            {filtered || sort !== "newest" ? <Link href={base} className="text-sm text-indigo-700 underline">Clear filters</Link> : null}
          </div>
        </form>

        {problem ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-800">{problem}</p> : null}

        {manage && !problem ? (
          <BulkActions projectId={projectId} filters={filtersToSearch(filters)} description={describeBrowseFilters(filters, annotatorName)} />
        ) : null}

        <table className="w-full bg-white text-sm">
          <caption className="sr-only">Pairs, {SORT_WORDS[sort].toLowerCase()}{filtered ? `, matching ${describeBrowseFilters(filters, annotatorName)}` : ""}</caption>
          <thead className="bg-neutral-100 text-left">
            <tr>
              <th scope="col" className="p-2">Pair</th>
              <th scope="col" className="p-2">Instruction</th>
              <th scope="col" className="p-2">Task</th>
              <th scope="col" className="p-2">Status</th>
              <th scope="col" className="p-2">Final</th>
              <th scope="col" className="p-2">Gold</th>
              <th scope="col" className="p-2">Verifier margin</th>
              <th scope="col" className="p-2">{sort === "finalized" ? "Finalised" : "Added"}</th>
            </tr>
          </thead>
          <tbody>
            {page.rows.map((r) => (
              <tr key={r.id} className="border-t border-neutral-200 align-top">
                <td className="p-2">
                  <Link href={`${base}/${r.id}`} className="text-indigo-700 underline">Pair {r.id}</Link>
                  <div className="text-xs text-neutral-600">{r.externalId}</div>
                </td>
                <td className="max-w-md p-2">{r.instruction}</td>
                <td className="p-2">{[r.task, r.subtask].filter(Boolean).join(" / ") || "—"}</td>
                <td className="p-2">{STATUS_WORDS[r.status as keyof typeof STATUS_WORDS] ?? r.status}</td>
                <td className="p-2">{r.finalDecision ? DECISION_WORDS[r.finalDecision as keyof typeof DECISION_WORDS] : "—"}</td>
                <td className="p-2">{r.isGold ? (r.goldActive ? "Gold" : "Retired gold") : "—"}</td>
                <td className="p-2 tabular-nums">{r.verifierMargin === null ? "—" : r.verifierMargin.toFixed(2)}</td>
                <td className="whitespace-nowrap p-2 tabular-nums">
                  <LocalTime iso={(sort === "finalized" && r.finalizedAt ? r.finalizedAt : r.createdAt).toISOString()} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.searched !== null ? (
          <p role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
            Searched the next {page.searched.toLocaleString("en")} pairs {page.searchedLabelled ? "this annotator labelled " : ""}in this order and found {page.rows.length === 0 ? "none" : page.rows.length} matching.
            {" "}This filter has no index of its own, so each page looks at most {SCAN_LIMIT.toLocaleString("en")} pairs.
          </p>
        ) : null}
        {page.rows.length === 0 && page.searched === null && !problem ? (
          <p className="text-sm text-neutral-600">{filtered ? "No pair matches these filters." : "This project has no pairs yet."}</p>
        ) : null}
        <nav aria-label="Pages" className="flex gap-4 text-sm">
          {cursor ? <Link href={href(base, filters, sort)} className="text-indigo-700 underline">First page</Link> : null}
          {page.nextCursor ? (
            <Link href={href(base, filters, sort, page.nextCursor)} className="text-indigo-700 underline">
              {page.searched !== null ? "Keep searching" : "Next page"}
            </Link>
          ) : null}
        </nav>
      </main>
    </>
  );
}
