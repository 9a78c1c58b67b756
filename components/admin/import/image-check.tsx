import type { TImageCheck } from "@/lib/imports/schemas";
import { formatCount, formatLocation } from "./format";

// The preview's image check: a sample of rows' images resolved as the import will resolve them, so a
// missing image root, a refused host or a wrong hash shows before anything is written.
export function ImageCheck({ check, stale }: { check: TImageCheck | null; stale: boolean }) {
  if (!check || check.rows === 0) return null;
  const clean = check.problems.length === 0;
  return (
    <section
      aria-labelledby="import-image-check"
      aria-busy={stale || undefined}
      className={`rounded-md border p-3 text-sm ${clean ? "border-emerald-200 bg-emerald-50 text-emerald-950" : "border-amber-200 bg-amber-50 text-amber-950"} ${stale ? "opacity-60" : ""}`}
    >
      <h3 id="import-image-check" className="font-medium">Image check</h3>
      <p>
        {clean
          ? `The ${formatCount(check.images)} images of ${formatCount(check.rows)} sampled rows resolve as the import will resolve them.`
          : `Problems found in ${formatCount(check.rows)} sampled rows; the import will report these rows invalid:`}
      </p>
      {clean ? null : (
        <ul className="mt-1 space-y-1">
          {check.problems.map((p, i) => (
            <li key={`${p.loc.file}:${p.loc.index}:${i}`}>
              <span className="font-medium">{formatLocation(p.loc, true)}</span>
              {p.externalId !== null ? <> (id <code>{p.externalId}</code>)</> : null}: {p.reason}
            </li>
          ))}
        </ul>
      )}
      {check.unchecked > 0 ? (
        <p className="mt-1">{formatCount(check.unchecked)} more images were not checked in time; the import checks every one.</p>
      ) : null}
    </section>
  );
}
