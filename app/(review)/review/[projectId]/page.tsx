import type { Metadata } from "next";
import { forbidden, notFound } from "next/navigation";
import { requireProjectWork } from "@/lib/auth/project-access";
import { requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { ForbiddenError, NotFoundError } from "@/lib/errors";
import { getProjectForAnnotator } from "@/lib/projects/queries";
import { getReviewFilterValues } from "@/lib/review/queries";
import { ZReviewFilters } from "@/lib/review/schemas";
import { AppHeader } from "@/components/ui/app-header";
import { ReviewFilters } from "@/components/review/filters";
import { ReviewWorkbench } from "@/components/review/workbench";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Review queue" };
export const dynamic = "force-dynamic";

export default async function ReviewQueuePage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("review:label:any", `/review/${raw}`);
  const projectId = projectIdParam(raw);
  const query = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  // A hand-edited URL with an unknown reason shows the whole queue rather than an error page.
  const parsed = ZReviewFilters.safeParse({ reason: first(query.reason), task: first(query.task), subtask: first(query.subtask) });
  const filters = parsed.success ? parsed.data : {};
  await requireProjectWork(db, projectId, user.id, "review").catch((err) => {
    if (err instanceof NotFoundError) notFound();
    if (err instanceof ForbiddenError) forbidden();
    throw err;
  });
  const project = await getProjectForAnnotator(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const values = await getReviewFilterValues(db, projectId);
  const filterKey = `${filters.reason ?? ""}|${filters.task ?? ""}|${filters.subtask ?? ""}`;
  // From lg up the workbench is exactly the viewport's height under the header and the filters line.
  return (
    <div className="flex flex-col lg:h-dvh">
      <AppHeader user={user} title={`Review · ${project.name}`} />
      <main className="flex min-h-0 flex-1 flex-col">
      <div className="mx-auto flex w-full max-w-[1800px] flex-wrap items-center gap-x-4 gap-y-1 px-2 pt-2">
        <Breadcrumb parent={{ href: "/review", label: "Review" }} current={project.name} />
        <ReviewFilters key={filterKey} projectId={projectId} filters={filters} tasks={values.tasks} subtasks={values.subtasks} />
      </div>
      <ReviewWorkbench
        key={filterKey}
        projectId={project.id}
        projectName={project.name}
        guidelines={project.guidelines}
        reasons={project.reasons}
        reason={filters.reason}
        task={filters.task}
        subtask={filters.subtask}
        canPromote={can(user.role, "gold:promote")}
      />
      </main>
    </div>
  );
}
