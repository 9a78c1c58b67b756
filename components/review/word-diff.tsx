"use client";

import { diffWords } from "diff";
import { useMemo } from "react";

/** Word-level diff of `to` against `from`, each change also announced in words: screen readers skip <del>/<ins>. */
export function WordDiff({ from, to, className }: { from: string; to: string; className?: string }) {
  const parts = useMemo(() => diffWords(from, to), [from, to]);
  return (
    <span className={className}>
      {parts.map((p, i) =>
        p.added ? (
          <ins key={i} className="rounded-sm bg-emerald-100 px-0.5 text-emerald-900 decoration-emerald-600">
            <span className="sr-only"> [inserted: </span>
            {p.value}
            <span className="sr-only">] </span>
          </ins>
        ) : p.removed ? (
          <del key={i} className="rounded-sm bg-rose-100 px-0.5 text-rose-900 decoration-rose-600">
            <span className="sr-only"> [deleted: </span>
            {p.value}
            <span className="sr-only">] </span>
          </del>
        ) : (
          <span key={i}>{p.value}</span>
        ),
      )}
    </span>
  );
}
