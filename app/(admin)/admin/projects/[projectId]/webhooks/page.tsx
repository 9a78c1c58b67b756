import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectIdParam, requirePage } from "@/lib/auth/page";
import { getProject } from "@/lib/projects/queries";
import { listEndpoints } from "@/lib/webhooks/service";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { WebhooksPanel } from "@/components/admin/webhooks/webhooks-panel";

export const metadata: Metadata = { title: "Webhooks" };
export const dynamic = "force-dynamic";

export default async function WebhooksPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("webhook:manage", `/admin/projects/${raw}/webhooks`);
  const projectId = projectIdParam(raw);
  const project = await getProject(db, projectId);
  if (!project) notFound();
  const endpoints = await listEndpoints(db, projectId);
  return (
    <>
      <AppHeader user={user} title={`Webhooks · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <h1 className="text-2xl font-semibold">Webhooks for {project.name}</h1>
        <ProjectNav projectId={project.id} projectName={project.name} current="webhooks" />
        <div className="space-y-2 text-sm text-neutral-700">
          <p>
            Loupe POSTs a JSON event to each endpoint when a pair of this project is finalised or an export finishes, signed with the
            endpoint&apos;s secret. Anything but a 2xx answer within 10 seconds is retried with growing waits (30 s, 2 min, 10 min, … 12 h:
            nine attempts over about a day), then marked failed; every attempt is in the log.
          </p>
          <details>
            <summary className="cursor-pointer text-indigo-700">How a receiver checks a request</summary>
            <p className="mt-1">
              The <code>Loupe-Signature</code> header reads <code>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>. Compute HMAC-SHA256 with the
              secret over <code>&lt;t&gt;.&lt;raw request body&gt;</code>, compare it in constant time with any <code>v1</code> (two during
              a secret rotation), and refuse a <code>t</code> more than five minutes from your clock. Deduplicate on{" "}
              <code>Loupe-Event-Id</code>: a redelivery repeats it. docs/guide/webhooks.md in the repository has Node and Python receivers.
            </p>
          </details>
        </div>
        <WebhooksPanel projectId={project.id} initial={endpoints} />
      </main>
    </>
  );
}
