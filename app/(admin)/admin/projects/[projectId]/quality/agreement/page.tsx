import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { getAgreementFigures } from "@/lib/quality/figures";
import { scopeKey, scopeLabel, toCell } from "@/lib/quality/figures-types";
import { foldKept } from "@/lib/quality/kept";
import Link from "next/link";
import { AppHeader } from "@/components/ui/app-header";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { AgreementHeadline } from "@/components/admin/quality/agreement-headline";
import { AgreementGuide } from "@/components/admin/quality/agreement-guide";
import { AgreementChart } from "@/components/admin/quality/agreement-chart";
import { AgreementTable } from "@/components/admin/quality/agreement-table";
import { AgreementCohenMatrix } from "@/components/admin/quality/agreement-cohen-matrix";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Agreement" };
export const dynamic = "force-dynamic";

/** Scopes (the project, each task, each subtask) per page of the detail table. */
const SCOPES_PER_PAGE = 20;

export default async function AgreementPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("quality:view", `/admin/projects/${raw}/quality/agreement`);
  const projectId = projectIdParam(raw);
  const search = await searchParams;
  const detail = search.detail === "1";
  const after = typeof search.after === "string" ? search.after : null;
  await foldKept(db);
  const figures = await getAgreementFigures(db, projectId);
  if (!figures) notFound();
  const { project, rows, annotators, cohen } = figures;
  const decision = rows.find((r) => r.variable.kind === "decision" && r.scope.level === "project")!;
  const cells = rows.map(toCell);
  // The detail table, a page of scopes at a time after the last one shown (its key in the URL).
  const scopeKeys = [...new Set(rows.map((r) => scopeKey(r.scope)))];
  const start = after === null ? 0 : scopeKeys.indexOf(after) + 1;
  const pageKeys = new Set(scopeKeys.slice(start, start + SCOPES_PER_PAGE));
  const nextAfter = start + SCOPES_PER_PAGE < scopeKeys.length ? scopeKeys[start + SCOPES_PER_PAGE - 1]! : null;
  const pageRows = rows.filter((r) => pageKeys.has(scopeKey(r.scope)));
  const firstScope = pageRows[0]?.scope;
  const lastScope = pageRows[pageRows.length - 1]?.scope;
  const base = `/admin/projects/${project.id}/quality/agreement`;
  return (
    <>
      <AppHeader user={user} title={`Agreement · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <ProjectNav projectId={project.id} projectName={project.name} current="agreement" />
        <h1 className="text-2xl font-semibold">Agreement in {project.name}</h1>
        <AgreementHeadline row={decision} />
        <AgreementGuide />
        <section aria-labelledby="by-task" className="space-y-3">
          <h2 id="by-task" className="text-lg font-semibold">By task and subtask</h2>
          <AgreementChart cells={cells.filter((c) => c.level !== "project" && c.kind !== "reason")} />
        </section>
        <section aria-labelledby="project-figures" className="space-y-3">
          <h2 id="project-figures" className="text-lg font-semibold">Every variable, whole project</h2>
          <AgreementTable cells={rows.filter((r) => r.scope.level === "project").map(toCell)} />
        </section>
        {detail ? (
          <>
            <section aria-labelledby="all-figures" className="space-y-3">
              <h2 id="all-figures" className="text-lg font-semibold">Every variable by task and subtask</h2>
              <p className="text-sm text-neutral-600">
                {firstScope && lastScope ? `${scopeLabel(firstScope)} to ${scopeLabel(lastScope)}, ` : ""}
                {SCOPES_PER_PAGE} scopes a page.
              </p>
              <AgreementTable cells={pageRows.map(toCell)} />
              <nav aria-label="Detail pages" className="flex gap-4 text-sm">
                {after !== null ? (
                  <Link href={`${base}?detail=1#all-figures`} className="text-indigo-700 underline">First page</Link>
                ) : null}
                {nextAfter !== null ? (
                  <Link href={`${base}?detail=1&after=${encodeURIComponent(nextAfter)}#all-figures`} className="text-indigo-700 underline">
                    Next scopes
                  </Link>
                ) : null}
              </nav>
            </section>
            <section aria-labelledby="between-annotators" className="space-y-3">
              <h2 id="between-annotators" className="text-lg font-semibold">Between annotators</h2>
              <AgreementCohenMatrix annotators={annotators} cohen={cohen} />
            </section>
          </>
        ) : (
          <Link href={`${base}?detail=1#all-figures`} className="inline-block text-sm text-indigo-700 underline">
            Show every variable by task and subtask, and agreement between annotators
          </Link>
        )}
      </main>
    </>
  );
}
