import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { getAgreementFigures } from "@/lib/quality/figures";
import { toCell } from "@/lib/quality/figures-types";
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

export default async function AgreementPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("quality:view", `/admin/projects/${raw}/quality/agreement`);
  const projectId = projectIdParam(raw);
  const figures = await getAgreementFigures(db, projectId);
  if (!figures) notFound();
  const { project, rows, annotators, cohen } = figures;
  const decision = rows.find((r) => r.variable.kind === "decision" && r.scope.level === "project")!;
  const cells = rows.map(toCell);
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
        <section aria-labelledby="all-figures" className="space-y-3">
          <h2 id="all-figures" className="text-lg font-semibold">Every variable and scope</h2>
          <AgreementTable cells={cells} />
        </section>
        <section aria-labelledby="between-annotators" className="space-y-3">
          <h2 id="between-annotators" className="text-lg font-semibold">Between annotators</h2>
          <AgreementCohenMatrix annotators={annotators} cohen={cohen} />
        </section>
      </main>
    </>
  );
}
