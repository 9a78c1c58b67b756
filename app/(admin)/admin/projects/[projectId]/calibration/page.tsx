import type { Metadata } from "next";
import { describeKeepRule } from "@/lib/quality/scales";
import Link from "next/link";
import { notFound } from "next/navigation";
import { projectIdParam, requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { bestPrecision, thinPoints, thresholdForPrecision } from "@/lib/calibration/math";
import { getCalibration } from "@/lib/calibration/queries";
import { getVersionComparison } from "@/lib/calibration/versions";
import { hasVerifierSignals } from "@/lib/calibration/report";
import { DEFAULT_TARGET_PERCENT, toFilter, ZCalibrationFilterQuery, ZTargetPercent } from "@/lib/calibration/schemas";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { formatCount, formatPercent } from "@/components/admin/quality/format";
import { CalibrationFilters } from "@/components/admin/calibration/calibration-filters";
import { VerdictCard } from "@/components/admin/calibration/verdict-card";
import { ScopeTable } from "@/components/admin/calibration/scope-table";
import { ThresholdTable } from "@/components/admin/calibration/threshold-table";
import { PrecisionRecallChart } from "@/components/admin/calibration/pr-chart";
import { formatTarget } from "@/components/admin/calibration/format";
import { VersionComparison } from "@/components/admin/calibration/version-comparison";

export const metadata: Metadata = { title: "Verifier calibration" };
export const dynamic = "force-dynamic";

/** Points drawn per curve: enough for a smooth line, few enough to keep the page light. */
const CURVE_POINTS = 300;

const RULE_TEXT: Record<string, string> = {
  auto: "the valid flag where the verifier gave one, else the keep rule",
  valid_flag: "the valid flag",
  scores: "the keep rule",
  off: "nothing (verifier routing is off)",
};

export default async function CalibrationPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("quality:view", `/admin/projects/${raw}/calibration`);
  const projectId = projectIdParam(raw);
  const query = await searchParams;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  // A hand-edited URL with a bad value shows the whole project, or the default target with a message,
  // rather than an error page.
  const parsedFilter = ZCalibrationFilterQuery.safeParse({ task: first(query.task), subtask: first(query.subtask), gold: first(query.gold) });
  const filter = toFilter(parsedFilter.success ? parsedFilter.data : {});
  const parsedTarget = ZTargetPercent.safeParse(first(query.precision));
  const targetPercent = (parsedTarget.success ? parsedTarget.data : undefined) ?? DEFAULT_TARGET_PERCENT;
  const precisionError = parsedTarget.success ? null : `${parsedTarget.error.issues[0]?.message ?? "Invalid target precision."} Showing ${formatTarget(DEFAULT_TARGET_PERCENT)}.`;

  const chosenVersions = (Array.isArray(query.version) ? query.version : query.version ? [query.version] : []).map((v) => v.slice(0, 200));
  const [c, versions] = await Promise.all([
    getCalibration(db, projectId, filter),
    getVersionComparison(db, projectId, { ...filter, versions: chosenVersions }),
  ]);
  if (!c || !versions) notFound();
  const { project } = c;
  const rule = describeKeepRule(project.scales);
  const filtered = filter.task !== undefined || filter.subtask !== undefined;
  const selection = [filter.task && `task ${filter.task}`, filter.subtask && `subtask ${filter.subtask}`].filter(Boolean).join(", ");
  const answers = c.sweeps.map((sweep) => ({
    sweep,
    chosen: thresholdForPrecision(sweep.points, targetPercent / 100),
    best: bestPrecision(sweep.points),
  }));
  const formKey = `${filter.task ?? ""}|${filter.subtask ?? ""}|${filter.includeGold}|${targetPercent}|${versions.filter.versions.join(",")}`;

  return (
    <>
      <AppHeader user={user} title={`Calibration · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <ProjectNav projectId={project.id} projectName={project.name} current="calibration" />
        <h1 className="text-2xl font-semibold">Verifier calibration in {project.name}</h1>
        <p className="max-w-3xl text-sm text-neutral-700">
          The verifier&apos;s signals against the final decisions people reached (consensus or review). A pair people accepted counts
          as valid; a reject or a re-caption as not valid as instructed. Gold pairs are left out unless included: their answer is
          set by an admin, not reached by annotators, and they are often picked for being hard.
        </p>
        <CalibrationFilters
          key={formKey}
          projectId={project.id}
          filter={filter}
          targetPercent={targetPercent}
          precisionError={precisionError}
          tasks={c.options.tasks}
          subtasks={c.options.subtasks}
          versions={{ all: versions.versions, compared: versions.filter.versions }}
        />

        {c.finalPairs === 0 ? (
          <section aria-labelledby="empty-heading" className="rounded-lg border border-dashed border-neutral-300 bg-white p-6">
            <h2 id="empty-heading" className="text-lg font-semibold">{filtered ? "No final pairs in this selection" : "Nothing is final yet"}</h2>
            <p className="mt-1 text-sm text-neutral-700">
              {filtered
                ? `No final pair matches ${selection}${filter.includeGold ? "" : " (gold pairs left out)"}.`
                : "Calibration compares the verifier with the decisions people reach. It fills in as pairs become final, by consensus or after review."}
            </p>
          </section>
        ) : !hasVerifierSignals(c) ? (
          <section aria-labelledby="empty-heading" className="rounded-lg border border-dashed border-neutral-300 bg-white p-6">
            <h2 id="empty-heading" className="text-lg font-semibold">The verifier gave no signals</h2>
            <p className="mt-1 text-sm text-neutral-700">
              None of the {formatCount(c.finalPairs)} final pairs{filtered ? ` in ${selection}` : ""} carries a valid flag or a verifier
              score. Map the verifier&apos;s fields when importing (valid flag, instruction following, editing consistency, generation
              quality, overall score) to calibrate it here.
            </p>
          </section>
        ) : (
          <>
            <p className="text-sm text-neutral-700">
              {formatCount(c.finalPairs)} final pairs{filtered ? ` in ${selection}` : ""}
              {filter.includeGold ? ", gold included" : ", gold left out"}; people accepted {formatCount(c.accepted)} (
              {formatPercent(c.accepted / c.finalPairs, 1)}).
            </p>
            <div className="grid gap-4">
              <VerdictCard id="flag-heading" title="Valid flag" verdicts={c.flag} verdictLabels={["valid", "not valid"]}>
                <p className="text-sm text-neutral-600">The verifier&apos;s own yes/no on each pair (e.g. Qwen-Verify&apos;s failure detection).</p>
              </VerdictCard>
              <VerdictCard id="keep-heading" title={`Keep rule ${rule}`} verdicts={c.keep} verdictLabels={["keep", "drop"]}>
                <p className="text-sm text-neutral-600">
                  ScaleEdit&apos;s inspector scores under this project&apos;s keep rule; a pair missing any of the three scores has no
                  verdict. Routing to review uses {RULE_TEXT[project.verifierRule] ?? project.verifierRule}.{" "}
                  {can(user.role, "project:manage") ? (
                    <Link href={`/admin/projects/${project.id}/settings`} className="text-indigo-700 underline">Change the rule in the settings</Link>
                  ) : null}
                </p>
              </VerdictCard>
            </div>

            <section aria-labelledby="threshold-heading" className="space-y-3">
              <h2 id="threshold-heading" className="text-lg font-semibold">Score thresholds for a target precision</h2>
              <p className="text-sm text-neutral-600">
                Each score as a rule &quot;valid when score ≥ threshold&quot;, over the pairs that have it. The lowest threshold that
                reaches the target keeps the most pairs, so it has the highest recall at that precision.
              </p>
              <ThresholdTable answers={answers} targetPercent={targetPercent} />
              <div className="grid gap-4 lg:grid-cols-2">
                {answers
                  .filter((a) => a.sweep.points.length > 0)
                  .map(({ sweep, chosen }) => (
                    <PrecisionRecallChart
                      key={sweep.key}
                      label={sweep.label}
                      short={sweep.short}
                      integer={sweep.integer}
                      points={thinPoints(sweep.points, CURVE_POINTS, [chosen])}
                      chosen={chosen}
                      targetPercent={targetPercent}
                      scored={sweep.scored}
                    />
                  ))}
              </div>
            </section>

            <section aria-labelledby="scopes-heading" className="space-y-3">
              <h2 id="scopes-heading" className="text-lg font-semibold">By task and subtask</h2>
              <p className="text-sm text-neutral-600">Pairs without a task count in the whole project only.</p>
              <ScopeTable caption="Valid flag by task and subtask" rows={c.scopes} verdict="flag" />
              <ScopeTable caption={`Keep rule (${rule}) by task and subtask`} rows={c.scopes} verdict="keep" />
            </section>
          </>
        )}
        <VersionComparison c={versions} targetPercent={targetPercent} />
      </main>
    </>
  );
}
