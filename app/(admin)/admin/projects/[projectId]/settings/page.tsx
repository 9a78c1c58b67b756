import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePageUser } from "@/lib/auth/page";
import { getDb } from "@/lib/db";
import { getProjectSettings } from "@/lib/quality/settings";
import { AppHeader } from "@/components/ui/app-header";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { SettingsForm } from "@/components/admin/settings/settings-form";

export const metadata: Metadata = { title: "Project settings" };
export const dynamic = "force-dynamic";

export default async function SettingsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const user = await requirePageUser("project:manage", `/admin/projects/${raw}/settings`);
  const projectId = Number(raw);
  if (!Number.isSafeInteger(projectId) || projectId <= 0) notFound();
  const project = await getProjectSettings(await getDb(), projectId);
  if (!project) notFound();
  const { id, name, ...settings } = project;
  return (
    <>
      <AppHeader user={user} title={`Settings · ${name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <nav aria-label="Breadcrumb" className="text-sm text-neutral-600">
          <Link href="/admin" className="text-indigo-700 underline">Admin</Link>
          <span aria-hidden> / </span>
          <span>{name}</span>
        </nav>
        <h1 className="text-2xl font-semibold">Settings for {name}</h1>
        <ProjectNav projectId={id} projectName={name} current="settings" />
        <p className="text-sm text-neutral-600">
          Every change is recorded in the audit log with its old and new value.
        </p>
        <SettingsForm projectId={id} initial={settings} />
      </main>
    </>
  );
}
