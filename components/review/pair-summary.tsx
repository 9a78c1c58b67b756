import type { TReviewPair } from "./api";

export function RoutingReasons({ pair }: { pair: TReviewPair }) {
  return (
    <section aria-labelledby="routing-title" className="rounded-lg border border-amber-200 bg-amber-50 px-2 py-1.5 dark:border-amber-800 dark:bg-amber-950">
      <h2 id="routing-title" className="text-sm font-semibold text-amber-900 dark:text-amber-200">Why this pair is in review</h2>
      <ul className="mt-0.5 list-inside list-disc text-xs text-amber-950 dark:text-amber-100">
        {pair.routing.map((r) => <li key={r.reason}>{r.text}</li>)}
      </ul>
      <div className="mt-1 flex flex-wrap gap-1 text-xs">
        {pair.task ? <span className="rounded bg-indigo-50 px-2 py-0.5 text-indigo-800">task: {pair.task}</span> : null}
        {pair.subtask ? <span className="rounded bg-emerald-50 px-2 py-0.5 text-emerald-800">subtask: {pair.subtask}</span> : null}
        <span className="rounded bg-white px-2 py-0.5 text-neutral-600">id: {pair.externalId}</span>
      </div>
    </section>
  );
}

export function OriginalInstruction({ pair }: { pair: TReviewPair }) {
  return (
    <div className="rounded-lg border border-neutral-200 bg-white px-2 py-1.5">
      <p className="text-base leading-snug" data-testid="review-instruction">
        <span className="sr-only">Original instruction: </span>
        {pair.instruction}
      </p>
      {pair.instructionCn ? <p className="mt-1 text-sm text-neutral-600" lang="zh">{pair.instructionCn}</p> : null}
    </div>
  );
}
