"use client";

import { useId } from "react";
import type { TVerifierScale } from "@/lib/quality/scales";
import {
  COMPOSITE_VALUE,
  columnOptions,
  columnSelectValue,
  mappingFields,
  type TMappingDraft,
  type TMappingField,
} from "./request";

export function MappingForm({ columns, mapping, scales, onChange }: {
  columns: string[];
  mapping: TMappingDraft;
  /** The project's declared score columns: one picker each. */
  scales: readonly TVerifierScale[];
  onChange: (mapping: TMappingDraft) => void;
}) {
  const id = useId();

  const setField = (f: TMappingField, value: string) => {
    if (value === COMPOSITE_VALUE) return;
    const column = value === "" ? null : value;
    if (f.kind === "field") {
      onChange({ ...mapping, [f.field]: column });
      return;
    }
    const { [f.key]: _old, ...others } = mapping.scores ?? {};
    const scores = column === null ? others : { ...others, [f.key]: column };
    onChange({ ...mapping, scores: Object.keys(scores).length > 0 ? scores : null });
  };

  const metadata = mapping.metadata ?? [];
  const toggleMetadata = (column: string, on: boolean) => {
    const next = on ? [...metadata, column] : metadata.filter((c) => c !== column);
    onChange({ ...mapping, metadata: columns.filter((c) => next.includes(c)) });
  };

  return (
    <div className="space-y-4">
      <fieldset>
        <legend className="text-sm font-medium">Column for each field</legend>
        <p className="text-xs text-neutral-600">Fields marked * are required.</p>
        <div className="mt-2 grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {mappingFields(scales).map((f) => {
            const { label } = f;
            const required = f.kind === "field" ? f.required : undefined;
            const name = f.kind === "field" ? f.field : `score-${f.key}`;
            const value = f.kind === "field" ? mapping[f.field] : mapping.scores?.[f.key];
            const selectId = `${id}-${name}`;
            return (
              <div key={name} className="text-sm">
                <label htmlFor={selectId}>
                  {label}
                  {required ? <span aria-hidden className="text-red-700"> *</span> : null}
                </label>
                <select
                  id={selectId}
                  value={columnSelectValue(value)}
                  onChange={(e) => setField(f, e.currentTarget.value)}
                  aria-required={required || undefined}
                  className="mt-1 w-full rounded border border-neutral-300 bg-white px-2 py-1"
                >
                  <option value="">(none)</option>
                  {Array.isArray(value) && value.length > 1 ? (
                    <option value={COMPOSITE_VALUE}>{value.join(" + ")}</option>
                  ) : null}
                  {columnOptions(columns, value).map((c) => (
                    <option key={c} value={c}>
                      {columns.includes(c) ? c : `${c} (not in the file)`}
                    </option>
                  ))}
                </select>
              </div>
            );
          })}
        </div>
      </fieldset>
      {columns.length > 0 ? (
        <fieldset>
          <legend className="text-sm font-medium">Keep as metadata</legend>
          <p className="text-xs text-neutral-600">Copied into each pair as they are; image bytes are never copied.</p>
          <div className="mt-2 flex flex-wrap gap-x-4 gap-y-1">
            {columns.map((c) => (
              <label key={c} className="flex items-center gap-1.5 text-sm">
                <input type="checkbox" checked={metadata.includes(c)} onChange={(e) => toggleMetadata(c, e.currentTarget.checked)} />
                <code>{c}</code>
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
    </div>
  );
}
