import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { getProjectSettings } from "@/lib/quality/settings";
import { getSettingsRecompute } from "@/lib/quality/recompute";
import { AppHeader } from "@/components/ui/app-header";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { SettingsForm } from "@/components/admin/settings/settings-form";
import { ProjectManage } from "@/components/admin/projects/project-manage";
import { TeamEditor } from "@/components/admin/projects/team-editor";
import { ReasonsEditor } from "@/components/admin/projects/reasons-editor";
import { getProject, getProjectForAnnotator } from "@/lib/projects/queries";
import { getTeam } from "@/lib/projects/team";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Project settings" };
export const dynamic = "force-dynamic";

export default async function SettingsPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("project:manage", `/admin/projects/${raw}/settings`);
  const projectId = projectIdParam(raw);
  const [project, admin] = await Promise.all([getProjectSettings(db, projectId), getProject(db, projectId)]);
  if (!project || !admin) notFound();
  const [team, withReasons] = await Promise.all([getTeam(db, projectId), getProjectForAnnotator(db, projectId)]);
  const { id, name, ...settings } = project;
  const recompute = await getSettingsRecompute(db, id);
  return (
    <>
      <AppHeader user={user} title={`Settings · ${name}`} />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={name} />
        <h1 className="text-2xl font-semibold">Settings for {name}</h1>
        <ProjectNav projectId={id} projectName={name} current="settings" />
        <p className="text-sm text-neutral-600">
          Every change is recorded in the audit log with its old and new value.
        </p>
        <ProjectManage projectId={id} name={name} archived={admin.archivedAt !== null} />
        <TeamEditor projectId={id} restricted={team.restricted} people={team.people} />
        <ReasonsEditor projectId={id} initial={withReasons.reasons} />
        <SettingsForm projectId={id} initial={settings} recompute={recompute} />
      </main>
    </>
  );
}
