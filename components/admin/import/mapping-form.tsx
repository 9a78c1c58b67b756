"use client";

import { useId } from "react";
import {
  COMPOSITE_VALUE,
  TARGET_FIELDS,
  columnOptions,
  columnSelectValue,
  type TMappingDraft,
  type TTargetField,
} from "./request";

export function MappingForm({ columns, mapping, onChange }: {
  columns: string[];
  mapping: TMappingDraft;
  onChange: (mapping: TMappingDraft) => void;
}) {
  const id = useId();

  const setField = (field: TTargetField, value: string) => {
    if (value === COMPOSITE_VALUE) return;
    onChange({ ...mapping, [field]: value === "" ? null : value });
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
          {TARGET_FIELDS.map(({ field, label, required }) => {
            const value = mapping[field];
            const selectId = `${id}-${field}`;
            return (
              <div key={field} className="text-sm">
                <label htmlFor={selectId}>
                  {label}
                  {required ? <span aria-hidden className="text-red-700"> *</span> : null}
                </label>
                <select
                  id={selectId}
                  value={columnSelectValue(value)}
                  onChange={(e) => setField(field, e.currentTarget.value)}
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
