import Link from "next/link";

export function NothingToReview({ projectId, filtered }: { projectId: number; filtered: boolean }) {
  return (
    <section className="rounded-lg border border-neutral-200 bg-white p-10 text-center">
      <h2 className="text-xl font-semibold">Nothing to review here</h2>
      <p className="mt-2 text-neutral-600">
        {filtered
          ? "No pair in review matches these filters, or other reviewers hold the ones that do."
          : "Every pair in review is settled or being reviewed by someone else. Check back later."}
      </p>
      <p className="mt-4 flex justify-center gap-4">
        {filtered ? <Link href={`/review/${projectId}`} className="text-indigo-700 underline">Clear the filters</Link> : null}
        <Link href="/review" className="text-indigo-700 underline">All projects in review</Link>
      </p>
    </section>
  );
}
