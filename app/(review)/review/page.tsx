import type { Metadata } from "next";
import Link from "next/link";
import { requirePage } from "@/lib/auth/page";
import { listReviewProjects } from "@/lib/review/queries";
import { ROUTING_REASON_LABELS, ROUTING_REASONS } from "@/lib/review/types";
import { AppHeader } from "@/components/ui/app-header";

export const metadata: Metadata = { title: "Review" };
export const dynamic = "force-dynamic";

export default async function ReviewPage() {
  const { user, db } = await requirePage("review:label:any", "/review");
  const projects = await listReviewProjects(db, user.id);
  const waiting = projects.reduce((n, p) => n + p.inReview, 0);
  return (
    <>
      <AppHeader user={user} title="Review" />
      <main className="mx-auto max-w-5xl space-y-4 p-6">
        <h1 className="text-2xl font-semibold">Review</h1>
        <p className="text-neutral-600">
          Pairs whose annotators disagree with each other or with the verifier wait here for a final decision.{" "}
          {waiting === 0 ? "Nothing is waiting right now." : `${waiting.toLocaleString()} ${waiting === 1 ? "pair is" : "pairs are"} waiting.`}
        </p>
        {projects.length === 0 ? (
          <p className="text-neutral-600">No projects yet.</p>
        ) : (
          <table className="w-full border-collapse overflow-hidden rounded-lg bg-white text-sm">
            <caption className="sr-only">Projects and their pairs in review, by routing reason</caption>
            <thead className="bg-neutral-100 text-left">
              <tr>
                <th scope="col" className="p-2">Project</th>
                <th scope="col" className="p-2 text-right">In review</th>
                {ROUTING_REASONS.map((r) => <th key={r} scope="col" className="p-2 text-right">{ROUTING_REASON_LABELS[r]}</th>)}
                <th scope="col" className="p-2 text-right">Being reviewed</th>
                <th scope="col" className="p-2"><span className="sr-only">Open the queue</span></th>
              </tr>
            </thead>
            <tbody>
              {projects.map((p) => (
                <tr key={p.id} className="border-t border-neutral-200">
                  <th scope="row" className="p-2 text-left font-medium">{p.name}</th>
                  <td className="p-2 text-right tabular-nums">{p.inReview.toLocaleString()}</td>
                  {ROUTING_REASONS.map((r) => (
                    <td key={r} className="p-2 text-right tabular-nums">
                      {p.byReason[r] > 0 ? (
                        <Link href={`/review/${p.id}?reason=${r}`} className="text-indigo-700 underline"
                          aria-label={`Review ${p.name}: ${p.byReason[r]} ${ROUTING_REASON_LABELS[r].toLowerCase()}`}>
                          {p.byReason[r].toLocaleString()}
                        </Link>
                      ) : (
                        <span className="text-neutral-500">0</span>
                      )}
                    </td>
                  ))}
                  <td className="p-2 text-right tabular-nums">{p.claimed.toLocaleString()}</td>
                  <td className="p-2 text-right">
                    {p.inReview > 0 ? (
                      <Link href={`/review/${p.id}`} aria-label={`Review ${p.name}`}
                        className="rounded-md bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700">
                        Review
                      </Link>
                    ) : (
                      <span className="text-neutral-500">Nothing to review</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </main>
    </>
  );
}
