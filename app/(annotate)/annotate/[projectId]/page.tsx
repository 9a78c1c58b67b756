import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { NotFoundError } from "@/lib/errors";
import { getProjectForAnnotator } from "@/lib/projects/queries";
import { AppHeader } from "@/components/ui/app-header";
import { Workbench } from "@/components/annotate/workbench";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Annotate" };
export const dynamic = "force-dynamic";

export default async function AnnotatePage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("annotate:pair", `/annotate/${raw}`);
  const projectId = projectIdParam(raw);
  const project = await getProjectForAnnotator(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  // From lg up the workbench is exactly the viewport's height under the header: images and buttons without scrolling.
  return (
    <div className="flex flex-col lg:h-dvh">
      <AppHeader user={user} title={project.name} />
      <Workbench projectId={project.id} projectName={project.name} guidelines={project.guidelines} reasons={project.reasons} />
    </div>
  );
}
