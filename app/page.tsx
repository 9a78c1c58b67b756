import Link from "next/link";
import { requirePage } from "@/lib/auth/page";
import { listProjects } from "@/lib/projects/queries";
import { AppHeader } from "@/components/ui/app-header";

export const dynamic = "force-dynamic";

export default async function HomePage() {
  const { user, db } = await requirePage("project:list", "/");
  const projects = await listProjects(db, { annotatorId: user.id });
  return (
    <>
      <AppHeader user={user} />
      <main className="mx-auto max-w-4xl p-6">
        <h1 className="text-2xl font-semibold">Projects</h1>
        {projects.length === 0 ? (
          <p className="mt-4 text-neutral-600">No projects for you yet. An admin can create one or add you to a project&apos;s team.</p>
        ) : (
          <ul className="mt-4 divide-y divide-neutral-200 rounded-lg border border-neutral-200 bg-white">
            {projects.map((p) => (
              <li key={p.id} className="flex items-center gap-4 p-4">
                <div className="min-w-0 flex-1">
                  <h2 className="font-medium">{p.name}</h2>
                  <p className="text-sm text-neutral-600">
                    {p.pairsOpen.toLocaleString()} of {p.pairsTotal.toLocaleString()} pairs open · overlap {p.overlap} ·{" "}
                    {p.labels.toLocaleString()} labels
                  </p>
                </div>
                <Link href={`/annotate/${p.id}`} aria-label={`Annotate ${p.name}`}
                  className="rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-700">
                  Annotate
                </Link>
              </li>
            ))}
          </ul>
        )}
      </main>
    </>
  );
}
