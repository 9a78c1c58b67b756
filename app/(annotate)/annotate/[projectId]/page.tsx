import type { Metadata } from "next";
import { forbidden, notFound } from "next/navigation";
import { ForbiddenError } from "@/lib/errors";
import { requireProjectWork } from "@/lib/auth/project-access";
import { requirePage } from "@/lib/auth/page";
import { NotFoundError } from "@/lib/errors";
import { getProjectForAnnotator } from "@/lib/projects/queries";
import { activeReasons } from "@/lib/projects/reasons";
import { AppHeader } from "@/components/ui/app-header";
import { Workbench } from "@/components/annotate/workbench";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Annotate" };
export const dynamic = "force-dynamic";

export default async function AnnotatePage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("annotate:pair", `/annotate/${raw}`);
  const projectId = projectIdParam(raw);
  await requireProjectWork(db, projectId, user.id, "annotate").catch((err) => {
    if (err instanceof NotFoundError) notFound();
    if (err instanceof ForbiddenError) forbidden();
    throw err;
  });
  const project = await getProjectForAnnotator(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  // From lg up the workbench is exactly the viewport's height under the header: images and buttons without scrolling.
  return (
    <div className="flex flex-col lg:h-dvh">
      <AppHeader user={user} title={project.name} />
      <main className="flex min-h-0 flex-1 flex-col">
        <Workbench projectId={project.id} projectName={project.name} guidelines={project.guidelines} reasons={activeReasons(project.reasons)} />
      </main>
    </div>
  );
}
