import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage, projectIdParam } from "@/lib/auth/page";
import { NotFoundError } from "@/lib/errors";
import { getDeletionAccount } from "@/lib/projects/purge";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { DeleteProject } from "@/components/admin/projects/delete-project";

export const metadata: Metadata = { title: "Delete project" };
export const dynamic = "force-dynamic";

export default async function DeleteProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("project:manage", `/admin/projects/${raw}/delete`);
  const projectId = projectIdParam(raw);
  const account = await getDeletionAccount(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  return (
    <>
      <AppHeader user={user} title={`Delete · ${account.name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={account.name} />
        <h1 className="text-2xl font-semibold">Delete {account.name}</h1>
        <ProjectNav projectId={projectId} projectName={account.name} current="settings" />
        <DeleteProject projectId={projectId} account={account} />
      </main>
    </>
  );
}
