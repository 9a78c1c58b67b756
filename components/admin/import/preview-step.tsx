"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { requestJson as sendJson } from "@/components/admin/quality/request";
import type { TVerifierScale } from "@/lib/quality/scales";
import { ENCODINGS, PRESET_NAMES, type TImportRequest, type TPreviewResponse, type TPreviewRow } from "@/lib/imports/schemas";
import { PRESETS } from "@/lib/imports/presets";
import type { TEncoding, TPresetName } from "@/lib/imports/types";
import { fetchPreview, importKeys, startImport } from "./api";
import { formatBytes, formatCell, formatCount, formatLocation, importName } from "./format";
import { ImageCheck } from "./image-check";
import { MappingForm } from "./mapping-form";
import {
  ENCODING_LABELS,
  FORMAT_LABELS,
  PRESET_LABELS,
  TARGET_FIELDS,
  buildImportRequest,
  settingsErrors,
  settingsFromPreview,
  undeclaredPresetScores,
  withScorePickers,
  type TImportSettings,
} from "./request";
import type { TPickedSource } from "./request";
import { useDebouncedValue } from "./use-debounced-value";

const PREVIEW_DEBOUNCE_MS = 400;

const inputClass = "mt-1 w-full rounded border border-neutral-300 bg-white px-2 py-1";

export function PreviewStep({ projectId, source, scales }: {
  projectId: number;
  source: TPickedSource;
  /** The project's declared score columns (the page re-renders with new ones after "Use the preset's"). */
  scales: readonly TVerifierScale[];
}) {
  const id = useId();
  const qc = useQueryClient();
  const router = useRouter();
  // null until the first preview of this source suggests a preset or a mapping.
  const [settings, setSettings] = useState<TImportSettings | null>(null);
  const [startedJson, setStartedJson] = useState<string | null>(null);

  // The last preview that answered its own request: kept on screen while a new one loads or fails,
  // so the settings that caused a failure can still be changed.
  const [shown, setShown] = useState<TPreviewResponse | null>(null);
  const format = shown?.format ?? null;
  const requestJson = JSON.stringify(buildImportRequest(source.request, settings, format));
  const localErrors = settings ? settingsErrors(settings, format) : [];
  const debouncedJson = useDebouncedValue(requestJson, PREVIEW_DEBOUNCE_MS);

  const preview = useQuery({
    queryKey: importKeys.preview(projectId, debouncedJson),
    queryFn: async ({ signal }) => {
      const res = await fetchPreview(projectId, debouncedJson, signal);
      // When the first preview's settings describe exactly what the server just did, its answer is that
      // preview too: nothing to fetch again.
      if (debouncedJson === JSON.stringify(buildImportRequest(source.request, null, null)) && (res.preset !== null || res.suggestedPreset === null)) {
        const adopted = JSON.stringify(buildImportRequest(source.request, settingsFromPreview(res, scales), res.format));
        qc.setQueryData(importKeys.preview(projectId, adopted), res);
      }
      return res;
    },
    enabled: localErrors.length === 0,
    placeholderData: keepPreviousData,
    retry: false,
    staleTime: 60_000,
  });

  // Adjusting state while rendering rather than in an effect; the first answer sets the form.
  if (preview.data && !preview.isPlaceholderData && preview.data !== shown) {
    setShown(preview.data);
    if (!settings) setSettings(settingsFromPreview(preview.data, scales));
  }
  const data = shown;

  const start = useMutation({
    mutationFn: (request: TImportRequest) => startImport(projectId, request),
    onSuccess: () => {
      setStartedJson(requestJson);
      void qc.invalidateQueries({ queryKey: importKeys.list(projectId) });
    },
  });

  // The preset's score columns declared for the project, through the settings' own validated update.
  const adoptScales = useMutation({
    mutationFn: (preset: TPresetName) =>
      sendJson(`/api/projects/${projectId}/settings`, {
        method: "PATCH",
        body: JSON.stringify({ verifierScales: (PRESETS[preset].scales ?? []).map((s) => ({ ...s })) }),
      }),
    onSuccess: () => {
      // Equal requests are answered from the cache: the rows' verdicts depend on the declaration too.
      void qc.invalidateQueries({ queryKey: ["imports", "preview", projectId] });
      router.refresh();
    },
  });

  const update = (patch: Partial<TImportSettings>) => setSettings((s) => (s ? { ...s, ...patch } : s));

  const onPresetChange = (value: string) => {
    const preset = (PRESET_NAMES as readonly string[]).includes(value) ? (value as TPresetName) : null;
    // Switching to a hand-made mapping starts from what the preset mapped.
    if (preset === null && settings?.preset !== null && data) update({ preset, mapping: withScorePickers({ ...data.mapping }, data.columns, scales) });
    else update({ preset });
  };

  if (!data) {
    if (preview.isError) {
      return (
        <div role="alert" className="space-y-2 rounded-lg border border-red-200 bg-red-50 p-4 text-sm text-red-800">
          <p>Could not read this source: {preview.error.message}</p>
          <button type="button" onClick={() => void preview.refetch()} className="rounded border border-red-300 bg-white px-2 py-0.5">
            Try again
          </button>
        </div>
      );
    }
    return <p role="status" className="text-sm text-neutral-600">Reading the first rows of {source.label}…</p>;
  }

  const errors = [...localErrors, ...data.mappingErrors];
  const upToDate = !preview.isPlaceholderData && !preview.isFetching && debouncedJson === requestJson && settings !== null;
  const alreadyStarted = startedJson === requestJson;
  const blocker = errors.length > 0
    ? "Fix the problems listed above to start the import."
    : preview.isError
      ? "The preview failed; fix the settings or try again."
      : !upToDate
        ? "Waiting for the preview to catch up with your changes…"
        : alreadyStarted
          ? "This import has started; follow it below. Change the source or settings to start another."
          : null;

  const validRows = data.rows.filter((r) => r.ok).length;

  return (
    <div className="space-y-4 rounded-lg border border-neutral-200 bg-white p-4">
      <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
        <div className="flex gap-1">
          <dt className="text-neutral-600">Format:</dt>
          <dd className="font-medium">{FORMAT_LABELS[data.format]}</dd>
        </div>
        <div className="flex gap-1">
          <dt className="text-neutral-600">Files:</dt>
          <dd className="font-medium">{formatCount(data.files.length)}</dd>
        </div>
        <div className="flex gap-1">
          <dt className="text-neutral-600">Size:</dt>
          <dd className="font-medium">{formatBytes(data.totalBytes)}</dd>
        </div>
        {data.totalRows !== null ? (
          <div className="flex gap-1">
            <dt className="text-neutral-600">Rows:</dt>
            <dd className="font-medium">{formatCount(data.totalRows)}</dd>
          </div>
        ) : null}
        {data.archives.length > 0 ? (
          <div className="flex gap-1">
            <dt className="text-neutral-600">Image archives:</dt>
            <dd className="font-medium">{data.archives.map((a) => `${a.path} (${formatBytes(a.size)})`).join(", ")}</dd>
          </div>
        ) : null}
      </dl>
      {data.archives.length > 0 ? (
        <p className="text-sm text-neutral-600">
          Image paths in the rows are looked up in these archives, which the import reads once before the rows.
        </p>
      ) : null}
      {data.files.length > 1 ? (
        <details className="text-sm">
          <summary className="cursor-pointer text-neutral-700">The {formatCount(data.files.length)} files</summary>
          <ul className="mt-1 max-h-48 overflow-auto font-mono text-xs">
            {data.files.map((f) => (
              <li key={f.path}>
                {f.path} <span className="text-neutral-500">({formatBytes(f.size)})</span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}

      <div className="grid gap-3 sm:grid-cols-3">
        <label className="text-sm">
          Preset
          <select
            value={settings?.preset ?? ""}
            onChange={(e) => onPresetChange(e.currentTarget.value)}
            disabled={!settings}
            className={inputClass}
          >
            <option value="">None (map the columns)</option>
            {PRESET_NAMES.map((p) => (
              <option key={p} value={p}>
                {PRESET_LABELS[p]}
                {p === data.suggestedPreset ? " (suggested)" : ""}
              </option>
            ))}
          </select>
        </label>
        {data.format === "csv" && settings ? (
          <>
            <label className="text-sm">
              Encoding
              <select
                value={settings.encoding}
                onChange={(e) => update({ encoding: e.currentTarget.value as TEncoding })}
                className={inputClass}
              >
                {ENCODINGS.map((enc) => (
                  <option key={enc} value={enc}>{ENCODING_LABELS[enc]}</option>
                ))}
              </select>
            </label>
            <label className="text-sm">
              Delimiter
              <input
                value={settings.delimiter}
                onChange={(e) => update({ delimiter: e.currentTarget.value })}
                placeholder="detect"
                maxLength={3}
                aria-describedby={`${id}-delimiter-help`}
                className={`${inputClass} font-mono`}
              />
              <span id={`${id}-delimiter-help`} className="mt-0.5 block text-xs text-neutral-500">
                Empty to detect; \t for a tab.
              </span>
            </label>
          </>
        ) : null}
      </div>

      {settings ? (
        <fieldset className="grid gap-3 sm:grid-cols-3">
          <legend className="sr-only">Where image paths point</legend>
          <label className="text-sm">
            Image path prefix
            <input
              value={settings.imagePathPrefix}
              onChange={(e) => update({ imagePathPrefix: e.currentTarget.value })}
              placeholder="none"
              aria-describedby={`${id}-prefix-help`}
              className={`${inputClass} font-mono`}
            />
            <span id={`${id}-prefix-help`} className="mt-0.5 block text-xs text-neutral-500">
              Joined before relative image paths, e.g. the subset folder inside an archive.
            </span>
          </label>
          <label className="text-sm">
            Image base URL
            <input
              value={settings.imageBaseUrl}
              onChange={(e) => update({ imageBaseUrl: e.currentTarget.value })}
              placeholder={settings.preset && PRESETS[settings.preset].mapping.imageBaseUrl ? "the preset's" : "none"}
              aria-describedby={`${id}-base-help`}
              className={`${inputClass} font-mono`}
            />
            <span id={`${id}-base-help`} className="mt-0.5 block text-xs text-neutral-500">
              Relative image paths are fetched under this URL.
            </span>
          </label>
          {settings.preset && PRESETS[settings.preset].inverseColumn ? (
            <label className="flex items-center gap-2 self-center text-sm">
              <input type="checkbox" checked={settings.inverse} onChange={(e) => update({ inverse: e.currentTarget.checked })} />
              Also import each row reversed ({PRESETS[settings.preset].inverseColumn})
            </label>
          ) : null}
        </fieldset>
      ) : null}

      {settings?.preset ? (
        <PresetScales
          preset={settings.preset}
          scales={scales}
          pending={adoptScales.isPending}
          error={adoptScales.isError ? adoptScales.error.message : null}
          onAdopt={(p) => adoptScales.mutate(p)}
        />
      ) : null}
      {settings && settings.preset === null ? (
        <MappingForm columns={data.columns} mapping={settings.mapping} scales={scales} onChange={(mapping) => update({ mapping })} />
      ) : null}

      <div role="alert">
        {errors.length > 0 ? (
          <div className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-800">
            <p className="font-medium">The mapping cannot be used yet:</p>
            <ul className="mt-1 list-disc pl-5">
              {errors.map((e) => (
                <li key={e}>{e}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {preview.isError ? (
          <p className="flex flex-wrap items-center gap-2 text-sm text-red-700">
            Could not update the preview: {preview.error.message}
            <button type="button" onClick={() => void preview.refetch()} className="rounded border border-red-300 bg-white px-2 py-0.5">
              Try again
            </button>
          </p>
        ) : null}
      </div>

      <p role="status" className="text-sm text-neutral-600">
        {preview.isFetching || debouncedJson !== requestJson ? "Updating the preview…" : ""}
      </p>

      <ImageCheck check={data.imageCheck} stale={!upToDate} />

      <PreviewRows rows={data.rows} validRows={validRows} withFile={data.files.length > 1} stale={!upToDate} />

      <div className="flex flex-wrap items-center gap-3 border-t border-neutral-200 pt-4">
        <button
          type="button"
          disabled={blocker !== null || start.isPending}
          aria-describedby={blocker ? `${id}-blocker` : undefined}
          onClick={() => start.mutate(JSON.parse(requestJson) as TImportRequest)}
          className="rounded-md bg-indigo-600 px-4 py-2 font-medium text-white disabled:opacity-60"
        >
          {start.isPending ? "Starting…" : "Start import"}
        </button>
        {blocker ? (
          <p id={`${id}-blocker`} className="text-sm text-neutral-600">{blocker}</p>
        ) : null}
        <div role="status" className="text-sm text-emerald-700">
          {start.isSuccess && alreadyStarted ? `${importName(start.data.id)} is ${start.data.status}. Its progress is below.` : null}
        </div>
        <div role="alert" className="text-sm text-red-700">
          {start.isError ? `Could not start the import: ${start.error.message}` : null}
        </div>
      </div>
    </div>
  );
}

const FIELD_LABELS = new Map<string, string>([
  ...TARGET_FIELDS.map((f) => [f.field, f.label] as [string, string]),
  ["sourceImage", "Source image"],
  ["editedImage", "Edited image"],
  ["maskImage", "Mask"],
]);

function PreviewRows({ rows, validRows, withFile, stale }: { rows: TPreviewRow[]; validRows: number; withFile: boolean; stale: boolean }) {
  if (rows.length === 0) return <p className="text-sm text-neutral-600">The source has no rows to preview.</p>;
  const fields: string[] = [];
  for (const row of rows) {
    for (const key of Object.keys(row.mapped ?? {})) if (!fields.includes(key)) fields.push(key);
  }
  // No row could be mapped: show the file's own first columns instead, to help with the mapping.
  const raw = fields.length === 0;
  if (raw) {
    for (const row of rows) {
      for (const key of Object.keys(row.values)) if (fields.length < 8 && !fields.includes(key)) fields.push(key);
    }
  }
  return (
    <div className={`overflow-x-auto ${stale ? "opacity-60" : ""}`} aria-busy={stale || undefined}>
      <table className="w-full text-left text-sm">
        <caption className="mb-1 text-left text-sm font-medium">
          {formatCount(validRows)} of {formatCount(rows.length)} preview rows valid
        </caption>
        <thead className="bg-neutral-100">
          <tr>
            <th scope="col" className="p-2 whitespace-nowrap">Location</th>
            <th scope="col" className="p-2">Status</th>
            {fields.map((f) => (
              <th key={f} scope="col" className="p-2 whitespace-nowrap">
                {raw ? <code className="font-normal">{f}</code> : (FIELD_LABELS.get(f) ?? f)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.loc.file}:${row.loc.index}`} className={`border-t border-neutral-200 align-top ${row.ok ? "" : "bg-red-50/60"}`}>
              <th scope="row" className="p-2 font-normal whitespace-nowrap text-neutral-700">{formatLocation(row.loc, withFile)}</th>
              <td className="min-w-40 max-w-sm p-2">
                {row.ok ? (
                  <span className="font-medium text-emerald-700">OK</span>
                ) : (
                  <span className="font-medium text-red-700">Invalid: {row.reason ?? "refused"}</span>
                )}
              </td>
              {fields.map((f) => {
                const text = formatCell(raw ? row.values[f] : row.mapped?.[f]);
                return (
                  <td key={f} className="max-w-xs truncate p-2" title={text}>{text}</td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Names the preset's score columns the project does not declare, and offers to declare the preset's. */
function PresetScales({ preset, scales, pending, error, onAdopt }: {
  preset: TPresetName;
  scales: readonly TVerifierScale[];
  pending: boolean;
  error: string | null;
  onAdopt: (preset: TPresetName) => void;
}) {
  const missing = undeclaredPresetScores(preset, scales);
  if (missing.length === 0 && !error) return null;
  const name = PRESET_LABELS[preset];
  const list = (keys: readonly string[]) => (keys.length ? keys.join(", ") : "none");
  return (
    <div className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
      {missing.length > 0 ? (
        <p>
          {name} brings the score columns {list((PRESETS[preset].scales ?? []).map((s) => s.key))}; this project declares{" "}
          {list(scales.map((s) => s.key))}. Rows with a score under {list(missing)} will be refused.
        </p>
      ) : null}
      {missing.length > 0 ? (
        <button type="button" disabled={pending} onClick={() => onAdopt(preset)} className="rounded border border-amber-400 bg-white px-2 py-0.5 disabled:opacity-60">
          {pending ? "Saving…" : `Use ${name}'s score columns for this project`}
        </button>
      ) : null}
      <p role="alert" className="text-red-700">{error ? `Not saved: ${error}` : null}</p>
    </div>
  );
}
