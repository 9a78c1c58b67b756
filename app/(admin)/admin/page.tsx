import type { Metadata } from "next";
import Link from "next/link";
import { requirePage } from "@/lib/auth/page";
import { listProjects } from "@/lib/projects/queries";
import { getProjectQualityCounts } from "@/lib/quality/overview";
import { AppHeader } from "@/components/ui/app-header";
import { NewProjectForm } from "@/components/admin/projects/new-project-form";
import { importPagePath } from "@/components/admin/projects/api";

export const metadata: Metadata = { title: "Admin" };
export const dynamic = "force-dynamic";

export default async function AdminPage() {
  const { user, db } = await requirePage("admin:view", "/admin");
  const [projects, quality] = await Promise.all([listProjects(db), getProjectQualityCounts(db)]);
  return (
    <>
      <AppHeader user={user} title="Admin" />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <h1 className="text-2xl font-semibold">Admin</h1>
        {db.kind === "embedded" ? (
          <div role="note" aria-label="Embedded database notice" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
            <p className="font-medium">Running on the embedded database (PGlite).</p>
            <p className="mt-1 text-sm">
              It lives in this machine&apos;s data folder and serves one Loupe process: right for trying Loupe and for small teams.
              For many annotators or several servers, set <code>DATABASE_URL</code> to a PostgreSQL server.
            </p>
          </div>
        ) : (
          <p className="text-sm text-neutral-600">Database: PostgreSQL server.</p>
        )}
        <section className="space-y-3">
          <h2 className="text-lg font-semibold">Projects</h2>
          <NewProjectForm />
          <table className="w-full bg-white text-sm">
            <caption className="sr-only">Projects and their progress</caption>
            <thead className="bg-neutral-100 text-left">
              <tr>
                <th scope="col" className="p-2">Name</th>
                <th scope="col" className="p-2">Overlap</th>
                <th scope="col" className="p-2">Pairs</th>
                <th scope="col" className="p-2">Open</th>
                <th scope="col" className="p-2">In review</th>
                <th scope="col" className="p-2">Final</th>
                <th scope="col" className="p-2">Labels</th>
                <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr key={p.id} className="border-t border-neutral-200">
                  <td className="p-2">
                    {p.name}
                    {p.archived ? <span className="ml-2 rounded bg-surface-muted px-1.5 text-xs text-muted">archived</span> : null}
                    {p.restricted ? <span className="ml-2 rounded bg-surface-muted px-1.5 text-xs text-muted">team only</span> : null}
                  </td>
                  <td className="p-2">{p.overlap}</td>
                  <td className="p-2">{p.pairsTotal.toLocaleString()}</td>
                  <td className="p-2">{p.pairsOpen.toLocaleString()}</td>
                  <td className="p-2">{(quality.get(p.id)?.inReview ?? 0).toLocaleString()}</td>
                  <td className="p-2">{(quality.get(p.id)?.final ?? 0).toLocaleString()}</td>
                  <td className="p-2">{p.labels.toLocaleString()}</td>
                  <td className="p-2">
                    <span className="flex flex-wrap gap-3">
                      <Link href={`/admin/projects/${p.id}/quality`} aria-label={`Quality of ${p.name}`} className="text-indigo-700 underline">
                        Quality
                      </Link>
                      <Link href={`/admin/projects/${p.id}/settings`} aria-label={`Settings of ${p.name}`} className="text-indigo-700 underline">
                        Settings
                      </Link>
                      <Link href={importPagePath(p.id)} aria-label={`Import into ${p.name}`} className="text-indigo-700 underline">
                        Import
                      </Link>
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <p>
          <Link href="/admin/users" className="text-indigo-700 underline">Manage users</Link>
        </p>
      </main>
    </>
  );
}
