import type { Metadata } from "next";
import Form from "next/form";
import Link from "next/link";
import { notFound } from "next/navigation";
import { projectIdParam, requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { getDatasetQuality } from "@/lib/quality/audit";
import { ZWidthPoints } from "@/lib/quality/audit-schema";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { formatCount, formatPercent } from "@/components/admin/quality/format";
import { AuditRoundForm } from "@/components/admin/dataset-quality/audit-round-form";
import { EstimateCard, StrataTable } from "@/components/admin/dataset-quality/estimates";

export const metadata: Metadata = { title: "Dataset quality" };
export const dynamic = "force-dynamic";

export default async function DatasetQualityPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("dataset:quality:view", `/admin/projects/${raw}/dataset-quality`);
  const projectId = projectIdParam(raw);
  const query = await searchParams;
  const rawWidth = Array.isArray(query.width) ? query.width[0] : query.width;
  // A hand-edited URL with a bad width shows the estimates without the planning column, and says why.
  const parsedWidth = rawWidth === undefined || rawWidth === "" ? null : ZWidthPoints.safeParse(rawWidth);
  const widthPoints = parsedWidth?.success ? parsedWidth.data : null;
  const widthError = parsedWidth && !parsedWidth.success ? (parsedWidth.error.issues[0]?.message ?? "Invalid width.") : null;

  const q = await getDatasetQuality(db, projectId, widthPoints === null ? null : widthPoints / 100);
  if (!q) notFound();
  const { project, round } = q;
  const manage = can(user.role, "project:manage");
  const field = "mt-1 block w-32 rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm";

  return (
    <>
      <AppHeader user={user} title={`Dataset quality · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <ProjectNav projectId={project.id} projectName={project.name} current="dataset-quality" />
        <h1 className="text-2xl font-semibold">Dataset quality in {project.name}</h1>
        <p className="max-w-3xl text-sm text-neutral-700">
          How good are the pairs the verifier keeps ({project.keepRule}), and what does it throw away? An audit round draws a uniform
          random sample of the project&apos;s pairs within each task and subtask; the &quot;Audit sample&quot; queue order serves those
          pairs to annotators in random order. From their final decisions this page estimates the share people accept among the kept
          and the dropped pairs, per subtask and overall (strata weighted by their estimated size), with 95% Wilson intervals.
        </p>

        {manage ? (
          <section aria-labelledby="round-heading" className="space-y-2">
            <h2 id="round-heading" className="text-lg font-semibold">Audit round</h2>
            {project.queueOrder !== "audit" ? (
              <p className="text-sm text-neutral-700">
                Annotators are served the sample while the queue order is &quot;Audit sample&quot;:{" "}
                <Link href={`/admin/projects/${project.id}/settings`} className="text-indigo-700 underline">choose it in the settings</Link>.
              </p>
            ) : null}
            <AuditRoundForm projectId={project.id} defaultSize={round?.requested ?? 400} defaultAllocation={round?.allocation ?? "proportional"} />
          </section>
        ) : null}

        {!round ? (
          <section aria-labelledby="empty-heading" className="rounded-lg border border-dashed border-neutral-300 bg-white p-6">
            <h2 id="empty-heading" className="text-lg font-semibold">No audit round yet</h2>
            <p className="mt-1 text-sm text-neutral-700">
              Draw a round to sample the pool; the estimates fill in as the sampled pairs become final.
            </p>
          </section>
        ) : (
          <>
            <p className="text-sm text-neutral-700">
              Round {round.round}, drawn {round.drawnAt.slice(0, 16).replace("T", " ")} UTC ({round.allocation} allocation):{" "}
              {formatCount(q.sampled)} of {formatCount(round.frameSize)} pairs sampled, {formatCount(q.labelled)} with a final decision (
              {formatPercent(q.sampled ? q.labelled / q.sampled : null)}).
            </p>
            <div className="grid gap-4 md:grid-cols-2">
              <EstimateCard id="kept-heading" title="Kept by the verifier" estimate={q.keep} />
              <EstimateCard id="dropped-heading" title="Dropped by the verifier" estimate={q.drop} />
            </div>

            <section aria-labelledby="strata-heading" className="space-y-3">
              <h2 id="strata-heading" className="text-lg font-semibold">By task and subtask</h2>
              <Form action={`/admin/projects/${project.id}/dataset-quality`} aria-label="Interval width"
                className="flex flex-wrap items-end gap-3 rounded-lg border border-neutral-200 bg-white p-3">
                <div className="text-sm">
                  <label htmlFor="interval-width">Interval width (percentage points)</label>
                  <input id="interval-width" name="width" type="number" inputMode="decimal" min={0.1} max={100} step="any"
                    defaultValue={widthPoints ?? ""} aria-describedby="interval-width-hint" aria-invalid={widthError ? true : undefined}
                    className={field} />
                  <span id="interval-width-hint" className="sr-only">Each subtask then shows how many more audit labels bring both its intervals under this width.</span>
                </div>
                <button type="submit" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700">
                  Show labels needed
                </button>
                {widthError ? <p role="alert" className="w-full text-sm text-red-700">{widthError}</p> : null}
              </Form>
              <StrataTable strata={q.strata} widthPoints={widthPoints} />
              <p className="text-sm text-neutral-600">
                Kept and dropped pairs per stratum are estimated from the sample (stratum size × the sample&apos;s share); &quot;labels
                needed&quot; plans at the share seen so far (one half without labels) and counts audit labels in the stratum, of which only the
                kept (dropped) share lands in each pool. When it is more than the sample has left unlabelled, draw a larger round: the same
                seed keeps the pairs already sampled.
              </p>
            </section>
          </>
        )}
      </main>
    </>
  );
}
