import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requirePage } from "@/lib/auth/page";
import { NotFoundError } from "@/lib/errors";
import { getProjectForAnnotator } from "@/lib/projects/queries";
import { GOLD_FLAG_MIN_CHECKS, getGoldSummary, listGold } from "@/lib/quality/gold";
import { AppHeader } from "@/components/ui/app-header";
import { ProjectNav } from "@/components/admin/quality/project-nav";
import { GoldRowControls, PromoteGoldForm } from "@/components/admin/gold/gold-controls";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { projectIdParam } from "@/lib/auth/page";

export const metadata: Metadata = { title: "Gold" };
export const dynamic = "force-dynamic";

const DECISION_WORDS = { accept: "Accept", reject: "Reject", recaption: "Re-caption" } as const;

function percent(correct: number, checks: number): string {
  return checks === 0 ? "—" : `${Math.round((100 * correct) / checks)}%`;
}

export default async function GoldPage({ params, searchParams }: {
  params: Promise<{ projectId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { projectId: raw } = await params;
  const { user, db } = await requirePage("project:manage", `/admin/projects/${raw}/gold`);
  const projectId = projectIdParam(raw);
  const query = await searchParams;
  const afterRaw = Array.isArray(query.after) ? query.after[0] : query.after;
  const after = afterRaw && /^[1-9][0-9]{0,18}$/.test(afterRaw) ? BigInt(afterRaw) : undefined;
  const suspectOnly = query.suspect === "1";
  const project = await getProjectForAnnotator(db, projectId).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const [summary, page] = await Promise.all([getGoldSummary(db, projectId), listGold(db, projectId, { after, suspectOnly })]);
  const reasonsByCode = new Map(project.reasons.map((r) => [r.code, r]));
  const base = `/admin/projects/${projectId}/gold`;
  const withQuery = (q: Record<string, string | undefined>) => {
    const s = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => Boolean(e[1])));
    return s.size ? `${base}?${s}` : base;
  };

  return (
    <>
      <AppHeader user={user} title={`Gold · ${project.name}`} />
      <main className="mx-auto max-w-6xl space-y-5 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current={project.name} />
        <ProjectNav projectId={projectId} projectName={project.name} current="gold" />
        <div>
          <h1 className="text-2xl font-semibold">Gold pairs in {project.name}</h1>
          <p className="mt-1 text-sm text-neutral-600">
            Pairs with a known answer, served to annotators at the project&apos;s gold rate and scored as they are labelled.
            An item most annotators get &ldquo;wrong&rdquo; (at least {GOLD_FLAG_MIN_CHECKS} checks, under half correct) is
            flagged: its expected answer may be the mistake.
          </p>
        </div>

        <dl className="grid grid-cols-2 gap-3 sm:grid-cols-5" aria-label="Gold summary">
          {([
            ["Gold pairs", summary.total.toLocaleString()],
            ["Active", summary.active.toLocaleString()],
            ["Retired", summary.retired.toLocaleString()],
            ["Checks correct", `${summary.correct.toLocaleString()} of ${summary.checks.toLocaleString()} (${percent(summary.correct, summary.checks)})`],
            ["Flagged", summary.suspect.toLocaleString()],
          ] as const).map(([k, v]) => (
            <div key={k} className="rounded-lg border border-neutral-200 bg-white p-3">
              <dt className="text-xs uppercase tracking-wide text-neutral-500">{k}</dt>
              <dd className="text-lg font-semibold tabular-nums">{v}</dd>
            </div>
          ))}
        </dl>

        <PromoteGoldForm projectId={project.id} />

        <div className="flex items-center gap-4 text-sm">
          {suspectOnly ? (
            <>
              <span className="font-medium">Showing flagged items only.</span>
              <Link href={base} className="text-indigo-700 underline">Show all gold pairs</Link>
            </>
          ) : (
            <Link href={withQuery({ suspect: "1" })} className="text-indigo-700 underline">
              Show flagged items only ({summary.suspect.toLocaleString()})
            </Link>
          )}
        </div>

        {page.items.length === 0 ? (
          <p className="rounded-lg border border-neutral-200 bg-white p-6 text-neutral-600">
            {after ? "No more gold pairs." : suspectOnly ? "No flagged gold pairs." :
              "No gold pairs yet. Promote final pairs here or from the review page, or import pairs marked as gold."}
          </p>
        ) : (
          <table className="w-full border-collapse overflow-hidden rounded-lg bg-white text-sm">
            <caption className="sr-only">Gold pairs with their expected answers and how annotators did on them</caption>
            <thead className="bg-neutral-100 text-left">
              <tr>
                <th scope="col" className="p-2">Pair</th>
                <th scope="col" className="p-2">Expected answer</th>
                <th scope="col" className="p-2">State</th>
                <th scope="col" className="p-2">Annotators</th>
                <th scope="col" className="p-2"><span className="sr-only">Change</span></th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((g) => (
                <tr key={g.id} className={`border-t border-neutral-200 align-top ${g.suspect ? "bg-rose-50" : ""}`}>
                  <th scope="row" className="p-2 text-left font-normal">
                    <div className="flex gap-2">
                      {/* eslint-disable-next-line @next/next/no-img-element -- images come from the authenticated /api/images route */}
                      <img src={`/api/images/${g.sourceImage}`} alt={`Source image of ${g.externalId}`} loading="lazy"
                        className="h-14 w-14 rounded object-cover" />
                      {/* eslint-disable-next-line @next/next/no-img-element -- as above */}
                      <img src={`/api/images/${g.editedImage}`} alt={`Edited image of ${g.externalId}`} loading="lazy"
                        className="h-14 w-14 rounded object-cover" />
                      <div className="min-w-0">
                        <p className="font-medium">{g.externalId} <span className="font-normal text-neutral-500">#{g.id}</span></p>
                        <p className="text-neutral-700">{g.instruction}</p>
                        <p className="text-xs text-neutral-500">
                          {[g.task, g.subtask].filter(Boolean).join(" / ")}
                          {g.source ? ` · ${g.source === "gold" ? "imported as gold" : `promoted after ${g.source}`}` : ""}
                        </p>
                      </div>
                    </div>
                  </th>
                  <td className="p-2">
                    <p className="font-medium">{DECISION_WORDS[g.decision]}</p>
                    {g.reasons.length > 0 ? (
                      <ul className="list-inside list-disc">
                        {g.reasons.map((c) => {
                          const r = reasonsByCode.get(c);
                          return <li key={c}>{r ? `${r.label} (${r.dimension})` : c}</li>;
                        })}
                      </ul>
                    ) : g.decision === "reject" ? <p className="text-neutral-500">any reason</p> : null}
                    {g.reference ? <p className="mt-1 text-neutral-700">Reference: &ldquo;{g.reference}&rdquo;</p> : null}
                  </td>
                  <td className="p-2">{g.active ? "Active" : <span className="text-neutral-500">Retired</span>}</td>
                  <td className="p-2 tabular-nums">
                    {g.checks === 0 ? (
                      <span className="text-neutral-500">No checks yet</span>
                    ) : (
                      <>
                        {g.correct} of {g.checks} correct ({percent(g.correct, g.checks)})
                      </>
                    )}
                    {g.suspect ? (
                      <p className="mt-1 font-medium text-rose-800">Flagged: most annotators disagree with this answer</p>
                    ) : null}
                  </td>
                  <td className="p-2">
                    <GoldRowControls reasons={project.reasons}
                      item={{ id: g.id, externalId: g.externalId, instruction: g.instruction, decision: g.decision, reasons: g.reasons,
                        reference: g.reference, active: g.active }} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <nav aria-label="Gold pages" className="flex gap-4 text-sm">
          {after ? <Link href={withQuery({ suspect: suspectOnly ? "1" : undefined })} className="text-indigo-700 underline">First page</Link> : null}
          {page.nextCursor ? (
            <Link href={withQuery({ suspect: suspectOnly ? "1" : undefined, after: page.nextCursor })} className="text-indigo-700 underline">
              Next page
            </Link>
          ) : null}
        </nav>
      </main>
    </>
  );
}
