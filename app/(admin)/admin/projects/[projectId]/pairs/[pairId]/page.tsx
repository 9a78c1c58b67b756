import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { projectIdParam, requirePage } from "@/lib/auth/page";
import { can } from "@/lib/auth/permissions";
import { NotFoundError } from "@/lib/errors";
import { getPairDetail } from "@/lib/browse/detail";
import { summarizeAuditEvent } from "@/lib/audit-log/queries";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { LocalTime } from "@/components/admin/quality/local-time";
import { PairActions } from "@/components/admin/browse/pair-actions";

export const metadata: Metadata = { title: "Pair" };
export const dynamic = "force-dynamic";

const STATUS_WORDS: Record<string, string> = { open: "Open", labelled: "Labelled", in_review: "In review", final: "Final" };
const DECISION_WORDS: Record<string, string> = { accept: "Accept", reject: "Reject", recaption: "Re-caption" };
const SOURCE_WORDS: Record<string, string> = { consensus: "the annotators' consensus", review: "a reviewer", gold: "the gold answer" };

function answer(decision: string | null, reasons: string[], instruction: string | null): string {
  if (!decision) return "—";
  const word = DECISION_WORDS[decision] ?? decision;
  if (decision === "reject" && reasons.length) return `${word} (${reasons.join(", ")})`;
  if (decision === "recaption" && instruction) return `${word}: “${instruction}”`;
  return word;
}

export default async function PairPage({ params }: { params: Promise<{ projectId: string; pairId: string }> }) {
  const { projectId: rawProject, pairId: rawPair } = await params;
  const { user, db } = await requirePage("pairs:browse", `/admin/projects/${rawProject}/pairs/${rawPair}`);
  const projectId = projectIdParam(rawProject);
  if (!/^[1-9][0-9]{0,18}$/.test(rawPair)) notFound();
  const pair = await getPairDetail(db, projectId, BigInt(rawPair)).catch((err) => {
    if (err instanceof NotFoundError) notFound();
    throw err;
  });
  const manage = can(user.role, "pairs:manage");
  const base = `/admin/projects/${projectId}/pairs`;
  const images = [
    { label: "Source", sha: pair.view.sourceImage, original: pair.view.sourceOriginal },
    { label: "Edited", sha: pair.view.editedImage, original: pair.view.editedOriginal },
    ...(pair.view.maskImage ? [{ label: "Mask", sha: pair.view.maskImage, original: pair.view.maskImage }] : []),
    ...(pair.view.referenceImage ? [{ label: "Reference", sha: pair.view.referenceImage, original: pair.view.referenceImage }] : []),
  ];

  return (
    <>
      <AppHeader user={user} title={`Pair ${pair.id}`} />
      <main className="mx-auto max-w-7xl space-y-5 p-6">
        <Breadcrumb parent={{ href: base, label: "Pairs" }} current={`Pair ${pair.id}`} />
        <div>
          <h1 className="text-2xl font-semibold">Pair {pair.id}</h1>
          <p className="text-sm text-neutral-600">
            {pair.externalId} · {[pair.task, pair.subtask].filter(Boolean).join(" / ") || "no task"} · added <LocalTime iso={pair.createdAt.toISOString()} />
          </p>
        </div>
        <p className="text-lg">{pair.instruction}</p>

        <section aria-label="Images" className="grid gap-3 sm:grid-cols-2">
          {images.map((img) => (
            <figure key={img.label} className="rounded-lg border border-neutral-200 bg-white p-2">
              {/* eslint-disable-next-line @next/next/no-img-element -- images come from the authenticated /api/images route */}
              <img src={`/api/images/${img.sha}`} alt={`${img.label} image of pair ${pair.id}`} className="mx-auto max-h-[60vh] object-contain" />
              <figcaption className="mt-1 text-sm">
                {img.label} · <a href={`/api/images/${img.original}`} className="text-indigo-700 underline">original</a>
              </figcaption>
            </figure>
          ))}
        </section>

        <section aria-labelledby="state-heading" className="rounded-lg border border-neutral-200 bg-white p-4">
          <h2 id="state-heading" className="text-lg font-semibold">State</h2>
          <dl className="mt-2 grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="font-medium">Status</dt>
            <dd>{STATUS_WORDS[pair.status] ?? pair.status} · {pair.labelCount} of {pair.wanted} labels</dd>
            <dt className="font-medium">Final answer</dt>
            <dd>
              {pair.final ? (
                <>
                  {answer(pair.final.decision, pair.final.reasons, pair.final.decision === "recaption" ? pair.final.instruction : null)} from{" "}
                  {SOURCE_WORDS[pair.final.source ?? ""] ?? pair.final.source ?? "—"}
                  {pair.final.at ? <> on <LocalTime iso={pair.final.at.toISOString()} /></> : null}
                  {pair.final.agreement !== null ? ` · agreement ${Math.round(pair.final.agreement * 100)}%` : ""}
                </>
              ) : "none yet"}
            </dd>
            <dt className="font-medium">Adjudication</dt>
            <dd>
              {pair.review.at
                ? <>By {pair.review.reviewer ?? "a deleted user"} on <LocalTime iso={pair.review.at.toISOString()} />{pair.review.note ? ` · note: ${pair.review.note}` : ""}</>
                : pair.status === "in_review" ? `Waiting for a reviewer${pair.review.reasons.length ? ` (${pair.review.reasons.join(", ")})` : ""}` : "Not reviewed"}
            </dd>
            <dt className="font-medium">Gold</dt>
            <dd>{pair.gold ? `${pair.gold.active ? "Active gold" : "Retired gold"}: expects ${answer(pair.gold.decision, pair.gold.reasons, pair.gold.instruction)}` : "Not gold"}</dd>
            <dt className="font-medium">Verifier margin</dt>
            <dd>{pair.verifierMargin === null ? "—" : pair.verifierMargin.toFixed(3)}</dd>
          </dl>
        </section>

        {manage ? (
          <PairActions
            projectId={projectId}
            pairId={pair.id}
            canPromote={pair.status === "final" && !pair.gold}
            canSendToReview={!pair.gold && (pair.status === "final" || pair.status === "labelled")}
            canReopen={!pair.gold && pair.status !== "open"}
          />
        ) : null}

        <section aria-labelledby="labels-heading" className="space-y-2">
          <h2 id="labels-heading" className="text-lg font-semibold">Labels</h2>
          {pair.labels.length === 0 ? <p className="text-sm text-neutral-600">No labels yet.</p> : (
            <table className="w-full bg-white text-sm">
              <thead className="bg-neutral-100 text-left">
                <tr><th scope="col" className="p-2">Annotator</th><th scope="col" className="p-2">Decision</th><th scope="col" className="p-2">Seconds</th><th scope="col" className="p-2">Gold check</th><th scope="col" className="p-2">When</th></tr>
              </thead>
              <tbody>
                {pair.labels.map((l) => (
                  <tr key={l.id} className="border-t border-neutral-200">
                    <td className="p-2">{l.annotator}</td>
                    <td className="p-2">{answer(l.decision, l.reasons, l.recaption)}</td>
                    <td className="p-2 tabular-nums">{l.seconds.toFixed(1)}</td>
                    <td className="p-2">{l.goldCorrect === null ? "—" : l.goldCorrect ? "Correct" : "Wrong"}</td>
                    <td className="p-2"><LocalTime iso={l.at.toISOString()} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="verifier-heading" className="space-y-2">
          <h2 id="verifier-heading" className="text-lg font-semibold">Verifier outputs</h2>
          {pair.outputs.length === 0 ? <p className="text-sm text-neutral-600">No verifier output.</p> : (
            <table className="w-full bg-white text-sm">
              <thead className="bg-neutral-100 text-left">
                <tr><th scope="col" className="p-2">Version</th><th scope="col" className="p-2">Scores</th><th scope="col" className="p-2">Valid</th><th scope="col" className="p-2">Re-caption</th></tr>
              </thead>
              <tbody>
                {pair.outputs.map((o) => (
                  <tr key={o.version} className="border-t border-neutral-200">
                    <td className="p-2">{o.version || "(unnamed)"}{o.active ? " · active" : ""}</td>
                    <td className="p-2"><code className="text-xs">{JSON.stringify(o.scores)}</code></td>
                    <td className="p-2">{o.valid === null ? "—" : o.valid ? "Yes" : `No${o.failureClass ? ` (${o.failureClass})` : ""}`}</td>
                    <td className="p-2">{o.recaption ?? "—"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>

        <section aria-labelledby="audit-heading" className="space-y-2">
          <h2 id="audit-heading" className="text-lg font-semibold">Audit trail</h2>
          {pair.audit.length === 0 ? <p className="text-sm text-neutral-600">Nothing recorded about this pair yet.</p> : (
            <ol className="space-y-1 text-sm">
              {pair.audit.map((a) => (
                <li key={a.id} className="rounded border border-neutral-200 bg-white p-2">
                  <LocalTime iso={a.at.toISOString()} withSeconds /> · {a.actor ?? "system"} · <code>{a.action}</code> ·{" "}
                  {summarizeAuditEvent({ action: a.action, data: a.data, projectName: null, actorId: a.actorId, subjectType: "pair", subjectId: pair.id })}
                </li>
              ))}
            </ol>
          )}
          {can(user.role, "audit:read") ? <Link href={`/admin/audit`} className="text-sm text-indigo-700 underline">The whole audit log</Link> : null}
        </section>
      </main>
    </>
  );
}
