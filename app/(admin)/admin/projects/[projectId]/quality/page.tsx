import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { getProjectSettings } from "@/lib/quality/settings";
import { foldKept } from "@/lib/quality/kept";
import { getPausedStandings, getStandings, STANDINGS_PAGE, type TStandingsCursor } from "@/lib/quality/standings";
import { getPairCounts, getReviewReasonCounts, getThroughput } from "@/lib/quality/overview";
import { AppHeader } from "@/components/ui/app-header";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { PausedBanner } from "@/components/admin/quality/paused-banner";
import { GoldAccuracyChart, PairStatusChart, ReviewReasonChart, ThroughputChart } from "@/components/admin/quality/charts";
import { StandingsTable } from "@/components/admin/quality/standings-table";
import { formatCount, formatPercent } from "@/components/admin/quality/format";
import { getAgreementSummary } from "@/lib/quality/figures";
import { AgreementHeadline } from "@/components/admin/quality/agreement-headline";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Quality" };
export const dynamic = "force-dynamic";

/** The standings' keyset cursor in the URL: "<labels>.<user id>" of the last annotator shown. */
function parseCursor(v: string | string[] | undefined): TStandingsCursor | null {
  const m = typeof v === "string" ? /^(\d{1,15})\.(\d{1,9})$/.exec(v) : null;
  return m ? { labels: Number(m[1]), userId: Number(m[2]) } : null;
}

export default async function QualityPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("quality:view", `/admin/projects/${raw}/quality`);
  const projectId = projectIdParam(raw);
  const after = parseCursor((await searchParams).after);
  const project = await getProjectSettings(db, projectId);
  if (!project) notFound();
  // Fold the kept figures' deltas first, so the reads below add up few of them (exact either way).
  await foldKept(db);
  const [counts, throughput, reasons, standings, pausedStandings, agreement] = await Promise.all([
    getPairCounts(db, projectId),
    getThroughput(db, projectId),
    getReviewReasonCounts(db, projectId),
    getStandings(db, projectId, { after }),
    getPausedStandings(db, projectId),
    getAgreementSummary(db, projectId),
  ]);
  const canManage = can(user.role, "project:manage");
  const paused = pausedStandings.flatMap((s) =>
    s.pause
      ? [
          {
            userId: s.userId,
            name: s.name,
            email: s.email,
            pausedAt: s.pause.pausedAt.toISOString(),
            reason: s.pause.reason,
            byRule: s.pause.byRule,
            ruleApplies: s.ruleApplies,
            goldChecks: s.goldChecks,
            goldAccuracy: s.goldAccuracy,
          },
        ]
      : [],
  );
  const goldBars = standings.annotators
    .filter((s) => s.goldChecks > 0 && s.goldAccuracy !== null)
    .map((s) => ({ name: s.name, accuracy: s.goldAccuracy ?? 0, checks: s.goldChecks, correct: s.goldCorrect, early: s.checksToGo > 0 }));
  const figures = [
    { label: "Open", value: counts.open + counts.labelled },
    { label: "In review", value: counts.inReview },
    { label: "Final", value: counts.final },
    { label: "Gold (active)", value: counts.gold },
    { label: "Labels", value: counts.labels },
  ];

  return (
    <>
      <AppHeader user={user} title={`Quality · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <h1 className="text-2xl font-semibold">Quality of {project.name}</h1>
        <ProjectNav projectId={project.id} projectName={project.name} current="quality" />

        <PausedBanner projectId={project.id} paused={paused} minCount={project.goldMinCount} canManage={canManage} />

        <section aria-labelledby="pairs-heading" className="space-y-3">
          <h2 id="pairs-heading" className="text-lg font-semibold">Pairs</h2>
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5">
            {figures.map((f) => (
              <div key={f.label} className="rounded-lg border border-neutral-200 bg-white p-3">
                <dt className="text-sm text-neutral-600">{f.label}</dt>
                <dd className="text-xl font-semibold tabular-nums">{formatCount(f.value)}</dd>
              </div>
            ))}
          </dl>
          <p className="text-sm text-neutral-600">
            Overlap {project.overlap}; gold served at {formatPercent(project.goldRate, 1)} of claims. Gold pairs are final from the start and
            counted under final.
          </p>
          <div className="grid gap-4 lg:grid-cols-2">
            <PairStatusChart open={counts.open + counts.labelled} inReview={counts.inReview} final={counts.final} gold={counts.gold} />
            <ReviewReasonChart counts={reasons} />
          </div>
        </section>

        <section aria-labelledby="throughput-heading" className="space-y-3">
          <h2 id="throughput-heading" className="text-lg font-semibold">Throughput</h2>
          <ThroughputChart days={throughput} />
        </section>

        {agreement ? (
          <div className="space-y-2">
            <AgreementHeadline row={agreement} headingLevel={2} />
            <Link href={`/admin/projects/${project.id}/quality/agreement`} className="text-sm text-indigo-700 underline">
              Agreement by task, subtask, reason and dimension, and between annotators
            </Link>
          </div>
        ) : null}

        <section aria-labelledby="standings-heading" className="space-y-3">
          <h2 id="standings-heading" className="text-lg font-semibold">Annotators</h2>
          <p className="text-sm text-neutral-600">Most labels first, {STANDINGS_PAGE} a page; the gold chart shows the annotators of this page.</p>
          <p className="text-sm text-neutral-600">
            The gold rule pauses an annotator whose accuracy since their last lift is under {formatPercent(project.goldAccuracyThreshold)} after{" "}
            {project.goldMinCount} gold checks.{" "}
            {canManage ? (
              <Link href={`/admin/projects/${project.id}/settings`} className="text-indigo-700 underline">
                Change it in the settings
              </Link>
            ) : null}
          </p>
          {goldBars.length > 0 ? (
            <GoldAccuracyChart rows={goldBars} threshold={standings.goldAccuracyThreshold} minCount={standings.goldMinCount} />
          ) : (
            <p className="text-sm text-neutral-600">No gold checks yet.</p>
          )}
          <StandingsTable projectId={project.id} standings={standings.annotators} threshold={standings.goldAccuracyThreshold} canManage={canManage} />
          <nav aria-label="Annotator pages" className="flex gap-4 text-sm">
            {after ? (
              <Link href={`/admin/projects/${project.id}/quality#standings-heading`} className="text-indigo-700 underline">
                First page
              </Link>
            ) : null}
            {standings.next ? (
              <Link
                href={`/admin/projects/${project.id}/quality?after=${standings.next.labels}.${standings.next.userId}#standings-heading`}
                className="text-indigo-700 underline"
              >
                Next annotators
              </Link>
            ) : null}
          </nav>
        </section>
      </main>
    </>
  );
}
