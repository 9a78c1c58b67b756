import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage, projectIdParam } from "@/lib/auth/page";
import { exportFormContext, listSavedFilters } from "@/lib/exports/service";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { ExportWorkspace } from "@/components/admin/export/export-workspace";

export const metadata: Metadata = { title: "Export" };
export const dynamic = "force-dynamic";

export default async function ExportPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("export:project", `/admin/projects/${raw}/export`);
  const projectId = projectIdParam(raw);
  const context = await exportFormContext(db, projectId);
  if (!context) notFound();
  const savedFilters = await listSavedFilters(db, projectId);
  return (
    <>
      <AppHeader user={user} title={`Export · ${context.name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={context.name} />
        <h1 className="text-2xl font-semibold">Export {context.name}</h1>
        <ProjectNav projectId={projectId} projectName={context.name} current="export" />
        <p className="text-sm text-neutral-600">
          {context.finalPairs.toLocaleString("en-US")} final {context.finalPairs === 1 ? "pair" : "pairs"}. An export runs in the
          background and reads pairs a page at a time, so annotators keep working at full speed; it writes its file and a
          manifest (filters, counts, checksum) on the server for download.
        </p>
        <ExportWorkspace projectId={projectId} savedFilters={savedFilters} tasks={context.tasks} subtasks={context.subtasks} />
      </main>
    </>
  );
}
