import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { getProject } from "@/lib/projects/queries";
import { AppHeader } from "@/components/ui/app-header";
import { ImportWorkspace } from "@/components/admin/import/import-workspace";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { projectIdParam } from "@/lib/auth/page";
import { getProjectSettings } from "@/lib/quality/settings";

export const metadata: Metadata = { title: "Import" };
export const dynamic = "force-dynamic";

export default async function ImportPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("import:project", `/admin/projects/${raw}/import`);
  const projectId = projectIdParam(raw);
  const project = await getProject(db, projectId);
  const settings = await getProjectSettings(db, projectId);
  if (!project || !settings) notFound();
  return (
    <>
      <AppHeader user={user} title={`Import · ${project.name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <div>
          <h1 className="text-2xl font-semibold">Import into {project.name}</h1>
          <p className="mt-1 text-sm text-neutral-600">
            Overlap {project.overlap}: each imported pair goes to {project.overlap === 1 ? "one annotator" : `${project.overlap} annotators`}.
            Pairs already in the project (same external id) are counted and left as they are.
          </p>
        </div>
        <ProjectNav projectId={project.id} projectName={project.name} current="import" />
        {project.archivedAt ? (
          <p role="note" className="rounded-md border border-line bg-surface-muted p-3 text-sm">
            This project is archived: imports are refused until it is unarchived in Settings.
          </p>
        ) : null}
        <ImportWorkspace projectId={project.id} scales={settings.verifierScales} />
      </main>
    </>
  );
}
