import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageUser } from "@/lib/auth/page";
import { getDb } from "@/lib/db";
import { getProject } from "@/lib/projects/queries";
import { AppHeader } from "@/components/ui/app-header";
import { ImportWorkspace } from "@/components/admin/import/import-workspace";

export const metadata: Metadata = { title: "Import" };
export const dynamic = "force-dynamic";

export default async function ImportPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const user = await requirePageUser("import:project", `/admin/projects/${raw}/import`);
  const projectId = Number(raw);
  if (!Number.isSafeInteger(projectId) || projectId <= 0) notFound();
  const project = await getProject(await getDb(), projectId);
  if (!project) notFound();
  return (
    <>
      <AppHeader user={user} title={`Import · ${project.name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <nav aria-label="Breadcrumb" className="text-sm text-neutral-600">
          <Link href="/admin" className="text-indigo-700 underline">Admin</Link>
          <span aria-hidden> / </span>
          <span>{project.name}</span>
        </nav>
        <div>
          <h1 className="text-2xl font-semibold">Import into {project.name}</h1>
          <p className="mt-1 text-sm text-neutral-600">
            Overlap {project.overlap}: each imported pair goes to {project.overlap === 1 ? "one annotator" : `${project.overlap} annotators`}.
            Pairs already in the project (same external id) are counted and left as they are.
          </p>
        </div>
        <ImportWorkspace projectId={project.id} />
      </main>
    </>
  );
}
