"use client";

import { useId, useState } from "react";
import { MAX_VERIFIER_SCALES, SCALE_PRESETS, type TScalePreset, type TVerifierScale } from "@/lib/quality/scales";

// The verifier's score columns as rows of boxes. Boxes hold text; numbers are parsed when the form is
// saved, and a malformed box is sent as it is so the server's message names the column and the bound.
export type TScaleDraft = { key: string; label: string; min: string; max: string; higherIsBetter: boolean; keep: string };

export function toScaleDrafts(scales: readonly TVerifierScale[]): TScaleDraft[] {
  return scales.map((s) => ({
    key: s.key,
    label: s.label,
    min: String(s.min),
    max: String(s.max),
    higherIsBetter: s.higherIsBetter,
    keep: s.keep === null ? "" : String(s.keep),
  }));
}

const num = (text: string): number | string => {
  const t = text.trim();
  const n = t === "" ? Number.NaN : Number(t);
  return Number.isFinite(n) ? n : t;
};

/** The declaration the rows describe; an empty keep box is "not part of the keep rule". */
export function fromScaleDrafts(rows: readonly TScaleDraft[]): unknown[] {
  return rows.map((r) => ({
    key: r.key.trim(),
    label: r.label.trim(),
    min: num(r.min),
    max: num(r.max),
    higherIsBetter: r.higherIsBetter,
    keep: r.keep.trim() === "" ? null : num(r.keep),
  }));
}

export function ScalesEditor({
  rows,
  onChange,
  invalid,
  describedBy,
}: {
  rows: TScaleDraft[];
  onChange: (rows: TScaleDraft[]) => void;
  invalid: boolean;
  describedBy: string;
}) {
  const id = useId();
  const [preset, setPreset] = useState<TScalePreset>("scaleedit");
  const set = (i: number, patch: Partial<TScaleDraft>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const box = "mt-1 w-full rounded border border-neutral-300 px-2 py-1 aria-[invalid=true]:border-red-600";
  return (
    <div className="space-y-3 sm:col-span-2" aria-describedby={describedBy}>
      <table className="w-full text-sm">
        <caption className="sr-only">Verifier score columns</caption>
        <thead>
          <tr className="text-left text-xs text-neutral-600">
            <th scope="col" className="pr-2 font-medium">Key (column in imports)</th>
            <th scope="col" className="pr-2 font-medium">Label</th>
            <th scope="col" className="pr-2 font-medium">Lowest</th>
            <th scope="col" className="pr-2 font-medium">Highest</th>
            <th scope="col" className="pr-2 font-medium">Better</th>
            <th scope="col" className="pr-2 font-medium">Keep threshold</th>
            <th scope="col" className="font-medium"><span className="sr-only">Remove</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const name = r.label.trim() || r.key.trim() || `column ${i + 1}`;
            return (
              <tr key={i}>
                <td className="pr-2 align-top">
                  <input id={i === 0 ? `${describedBy}-first` : undefined} aria-label={`Key of ${name}`} value={r.key}
                    aria-invalid={invalid || undefined} onChange={(e) => set(i, { key: e.target.value })} className={box} />
                </td>
                <td className="pr-2 align-top">
                  <input aria-label={`Label of ${name}`} value={r.label} onChange={(e) => set(i, { label: e.target.value })} className={box} />
                </td>
                <td className="pr-2 align-top">
                  <input type="number" step="any" aria-label={`Lowest value of ${name}`} value={r.min}
                    onChange={(e) => set(i, { min: e.target.value })} className={box} />
                </td>
                <td className="pr-2 align-top">
                  <input type="number" step="any" aria-label={`Highest value of ${name}`} value={r.max}
                    onChange={(e) => set(i, { max: e.target.value })} className={box} />
                </td>
                <td className="pr-2 align-top">
                  <select aria-label={`Which way ${name} is better`} value={r.higherIsBetter ? "higher" : "lower"}
                    onChange={(e) => set(i, { higherIsBetter: e.target.value === "higher" })} className={box}>
                    <option value="higher">Higher</option>
                    <option value="lower">Lower</option>
                  </select>
                </td>
                <td className="pr-2 align-top">
                  <input type="number" step="any" aria-label={`Keep threshold of ${name} (empty: not in the keep rule)`} value={r.keep}
                    onChange={(e) => set(i, { keep: e.target.value })} className={box} />
                </td>
                <td className="align-top">
                  <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}
                    className="mt-1 rounded border border-neutral-300 px-2 py-1">
                    Remove<span className="sr-only"> {name}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div className="flex flex-wrap items-end gap-2">
        <button type="button" disabled={rows.length >= MAX_VERIFIER_SCALES}
          onClick={() => onChange([...rows, { key: "", label: "", min: "0", max: "1", higherIsBetter: true, keep: "" }])}
          className="rounded border border-neutral-300 px-2 py-1 disabled:opacity-60">
          Add a score column
        </button>
        <label htmlFor={`${id}-preset`} className="text-sm">Columns of a dataset</label>
        <select id={`${id}-preset`} value={preset} onChange={(e) => setPreset(e.target.value as TScalePreset)}
          className="rounded border border-neutral-300 px-2 py-1">
          {(Object.keys(SCALE_PRESETS) as TScalePreset[]).map((k) => (
            <option key={k} value={k}>{SCALE_PRESETS[k].label}</option>
          ))}
        </select>
        <button type="button" onClick={() => onChange(toScaleDrafts(SCALE_PRESETS[preset].scales))}
          className="rounded border border-neutral-300 px-2 py-1">
          Use these columns
        </button>
      </div>
    </div>
  );
}
