"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import type { TProjectSettings, TRecomputeStatus, TSettingKey, TSettingsPatch, TSettingsResult } from "@/lib/quality/settings-schema";
import { RequestError, requestJson } from "@/components/admin/quality/request";
import { QUEUE_ORDER_INFO, QUEUE_ORDERS } from "@/lib/queue/order";
import { fromScaleDrafts, ScalesEditor, toScaleDrafts, type TScaleDraft } from "./scales-editor";
import { RecomputeProgress } from "./recompute-progress";

// Fields hold the text in their boxes; rates show in percent and go as fractions. Only changed fields are
// sent, so the audit row names exactly what the admin changed.
type TDraftKey = Exclude<TSettingKey, "verifierScales">;
type TDraft = Record<TDraftKey, string>;

const PERCENT: ReadonlySet<TSettingKey> = new Set(["goldRate", "goldAccuracyThreshold"]);
const TEXT: ReadonlySet<TSettingKey> = new Set(["verifierRule", "guidelines", "queueOrder", "verifierVersion"]);

const LABELS: Record<TSettingKey, string> = {
  overlap: "Overlap (labels per pair)",
  leaseSeconds: "Lease (seconds)",
  guidelines: "Guidelines",
  goldRate: "Gold rate (%)",
  goldAccuracyThreshold: "Gold accuracy threshold (%)",
  goldMinCount: "Minimum gold checks",
  goldRecaptionThreshold: "Gold re-caption threshold",
  recaptionDisagreementThreshold: "Re-caption disagreement threshold",
  verifierRule: "Verifier rule",
  verifierScales: "Verifier score columns",
  verifierVersion: "Active verifier version",
  queueOrder: "Queue order",
  webImagesInPlace: "Reference web images in place",
};

const HELP: Record<TSettingKey, string> = {
  overlap:
    "How many annotators label each pair, 1–5. Applies to pairs imported from now on and to open pairs nobody has started; pairs already started keep the overlap they had.",
  leaseSeconds: "How long a pair stays reserved for the annotator who opened it before it returns to the pool, 30–86,400.",
  guidelines: "Shown to annotators on the annotate page.",
  goldRate: "Share of the pairs served that are gold (known answer), 0–50%. Annotators cannot tell them apart.",
  goldAccuracyThreshold: "An annotator whose share of correct gold answers falls under this is paused from the project.",
  goldMinCount: "Gold checks an annotator must have (since their last lift) before the threshold applies.",
  goldRecaptionThreshold:
    "A re-caption on a gold pair counts as correct when its normalized edit distance to the reference is under this (0 = identical, 1 = nothing shared).",
  recaptionDisagreementThreshold: "When all annotators re-caption a pair and two re-captions are further apart than this (0–1), the pair goes to review.",
  verifierRule: "Which verifier signal the human consensus is checked against; a contradiction sends the pair to review.",
  verifierScales:
    "The scores the verifier gives each pair: the key an import maps a column to, the scale, which way is better, and the keep threshold (empty: shown and exported, not part of the keep rule). The verifier keeps a pair when every threshold is met.",
  verifierVersion:
    "The verifier version whose scores, valid flag and re-caption the keep rule, queue orders, calibration and exports read. Empty: each pair's first imported output.",
  queueOrder:
    "How annotators are served the project's pairs. A change applies to every open pair at the next claim; gold pairs are mixed in as before.",
  webImagesInPlace:
    "Images given by an http(s) address in imports from now on stay where they are: Loupe fetches each once for its hash, size and previews, then reads it from its address (checked against that hash) instead of keeping a copy. Off: they are copied into Loupe's store. s3:// images always stay in their bucket.",
};

const VERIFIER_OPTIONS: { value: TProjectSettings["verifierRule"]; label: string }[] = [
  { value: "auto", label: "Automatic: the valid flag when the pair has one, else the scores" },
  { value: "valid_flag", label: "Valid flag only" },
  { value: "scores", label: "Scores only (keep rule below)" },
  { value: "off", label: "Off: never route on the verifier" },
];

const DRAFT_KEYS = (Object.keys(LABELS) as TSettingKey[]).filter((k): k is TDraftKey => k !== "verifierScales");

function toDraft(s: TProjectSettings): TDraft {
  const out = {} as TDraft;
  for (const key of DRAFT_KEYS) {
    const v = s[key];
    // Percent with at most two decimals: 0.125 → "12.5", never "12.500000000000002".
    out[key] = PERCENT.has(key) ? String(Math.round(Number(v) * 10_000) / 100) : v === null ? "" : String(v);
  }
  return out;
}

/** Number typed in the box; an empty or malformed box is sent as it is so the server names the field. */
function parseField(key: TSettingKey, text: string): string | number | boolean {
  if (key === "webImagesInPlace") return text === "true";
  if (TEXT.has(key)) return text;
  const trimmed = text.trim();
  const n = trimmed === "" ? Number.NaN : Number(trimmed);
  if (!Number.isFinite(n)) return trimmed;
  return PERCENT.has(key) ? Math.round(n * 100) / 10_000 : n;
}

function changedPatch(draft: TDraft, scales: TScaleDraft[], saved: TProjectSettings): TSettingsPatch {
  const patch: Record<string, unknown> = {};
  for (const key of DRAFT_KEYS) {
    const value = parseField(key, draft[key]);
    const before = saved[key] ?? "";
    const same = typeof value === "number" && typeof before === "number" ? Math.fround(value) === Math.fround(before) : value === before;
    if (!same) patch[key] = value;
  }
  const declared = fromScaleDrafts(scales);
  if (JSON.stringify(declared) !== JSON.stringify(saved.verifierScales)) patch.verifierScales = declared;
  return patch as TSettingsPatch;
}

function successText(r: TSettingsResult): string {
  if (r.changed.length === 0) return "Nothing changed: the settings were already these.";
  const names = r.changed.map((k) => LABELS[k].replace(/ \(.*\)$/, "").toLowerCase());
  let text = `Saved: ${names.join(", ")}.`;
  if (r.recompute) {
    const what = [
      r.changed.includes("overlap")
        ? `open pairs nobody has started take overlap ${r.settings.overlap} (pairs already started keep the overlap they had)`
        : null,
      r.changed.some((k) => k === "verifierScales" || k === "verifierRule" || k === "verifierVersion") ? "verdicts and queue order keys are recomputed" : null,
    ].filter(Boolean);
    text += ` In the background, ${what.join("; ")}: progress below.`;
  }
  return text;
}

function Field({ formId, name, children, wide }: { formId: string; name: TSettingKey; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? "sm:col-span-2" : undefined}>
      <label htmlFor={`${formId}-${name}`} className="text-sm font-medium">
        {LABELS[name]}
      </label>
      {children}
      <p id={`${formId}-${name}-help`} className="mt-1 text-xs text-neutral-600">
        {HELP[name]}
      </p>
    </div>
  );
}

export function SettingsForm({ projectId, initial, recompute }: { projectId: number; initial: TProjectSettings; recompute: TRecomputeStatus | null }) {
  const router = useRouter();
  const id = useId();
  const [saved, setSaved] = useState<TProjectSettings>(initial);
  const [draft, setDraft] = useState<TDraft>(() => toDraft(initial));
  const [scales, setScales] = useState<TScaleDraft[]>(() => toScaleDrafts(initial.verifierScales));
  const [note, setNote] = useState<{ kind: "ok" | "error"; text: string; field?: TSettingKey } | null>(null);
  const [latest, setLatest] = useState<TRecomputeStatus | null>(recompute);

  const save = useMutation({
    mutationFn: (patch: TSettingsPatch) =>
      requestJson<TSettingsResult>(`/api/projects/${projectId}/settings`, { method: "PATCH", body: JSON.stringify(patch) }),
    onSuccess: (r) => {
      setSaved(r.settings);
      setDraft(toDraft(r.settings));
      setScales(toScaleDrafts(r.settings.verifierScales));
      setNote({ kind: "ok", text: successText(r) });
      if (r.recompute) setLatest(r.recompute);
      router.refresh();
    },
    onError: (err) => {
      // A declaration issue's path is "verifierScales.<row>.<field>": the field is the declaration.
      const field = err instanceof RequestError ? (err.issues[0]?.path?.split(".")[0] as TSettingKey | undefined) : undefined;
      const known = field && field in LABELS ? field : undefined;
      setNote({ kind: "error", text: `Not saved. ${err.message}`, field: known });
      if (known) document.getElementById(known === "verifierScales" ? `${id}-verifierScales-first` : `${id}-${known}`)?.focus();
    },
  });

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const patch = changedPatch(draft, scales, saved);
    if (Object.keys(patch).length === 0) {
      setNote({ kind: "ok", text: "Nothing to save: no setting was changed." });
      return;
    }
    setNote(null);
    save.mutate(patch);
  };

  const fieldProps = (key: TDraftKey) => ({
    id: `${id}-${key}`,
    name: key,
    value: draft[key],
    "aria-describedby": `${id}-${key}-help`,
    "aria-invalid": note?.kind === "error" && note.field === key ? true : undefined,
    onChange: (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [key]: e.target.value })),
    className: "mt-1 w-full rounded border border-neutral-300 px-2 py-1 aria-[invalid=true]:border-red-600",
  });

  const number = (key: TDraftKey, attrs: { min: number; max: number; step: number | "any" }) => (
    <input type="number" inputMode="decimal" {...attrs} {...fieldProps(key)} />
  );

  return (
    // noValidate: the server's messages name the field and the bounds; the browser's bubbles would
    // stop the request before the admin ever read them.
    <form onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`} className="space-y-6">
      <h2 id={`${id}-title`} className="sr-only">
        Project settings
      </h2>
      <fieldset className="grid gap-4 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-2">
        <legend className="px-1 font-medium">Labelling</legend>
        <Field formId={id} name="overlap">{number("overlap", { min: 1, max: 5, step: 1 })}</Field>
        <Field formId={id} name="leaseSeconds">{number("leaseSeconds", { min: 30, max: 86_400, step: 1 })}</Field>
        <Field formId={id} name="guidelines" wide>
          <textarea rows={5} maxLength={20_000} {...fieldProps("guidelines")} />
        </Field>
      </fieldset>
      <fieldset
        className="space-y-2 rounded-lg border border-neutral-200 bg-white p-4"
        aria-describedby={`${id}-queueOrder-help`}
        aria-invalid={note?.kind === "error" && note.field === "queueOrder" ? true : undefined}
      >
        <legend className="px-1 font-medium">{LABELS.queueOrder}</legend>
        <p id={`${id}-queueOrder-help`} className="text-xs text-neutral-600">
          {HELP.queueOrder}
        </p>
        {/* Radios, not a select: each option's one-line explanation is read with it. Arrow keys move
            between them; the first one takes focus when a save names this field. */}
        {QUEUE_ORDERS.map((order, i) => (
          <div key={order} className="flex items-start gap-2">
            <input
              type="radio"
              id={i === 0 ? `${id}-queueOrder` : `${id}-queueOrder-${order}`}
              name="queueOrder"
              value={order}
              checked={draft.queueOrder === order}
              onChange={() => setDraft((d) => ({ ...d, queueOrder: order }))}
              aria-describedby={`${id}-queueOrder-${order}-explain`}
              className="mt-1"
            />
            <div className="text-sm">
              <label htmlFor={i === 0 ? `${id}-queueOrder` : `${id}-queueOrder-${order}`} className="font-medium">
                {QUEUE_ORDER_INFO[order].label}
              </label>
              <p id={`${id}-queueOrder-${order}-explain`} className="text-xs text-neutral-600">
                {QUEUE_ORDER_INFO[order].explain}
              </p>
            </div>
          </div>
        ))}
      </fieldset>
      <fieldset className="grid gap-4 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-2">
        <legend className="px-1 font-medium">Gold pairs and pausing</legend>
        <Field formId={id} name="goldRate">{number("goldRate", { min: 0, max: 50, step: "any" })}</Field>
        <Field formId={id} name="goldAccuracyThreshold">{number("goldAccuracyThreshold", { min: 0, max: 100, step: "any" })}</Field>
        <Field formId={id} name="goldMinCount">{number("goldMinCount", { min: 1, max: 10_000, step: 1 })}</Field>
        <Field formId={id} name="goldRecaptionThreshold">{number("goldRecaptionThreshold", { min: 0, max: 1, step: "any" })}</Field>
      </fieldset>
      <fieldset className="grid gap-4 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-2">
        <legend className="px-1 font-medium">Consensus and review</legend>
        <Field formId={id} name="recaptionDisagreementThreshold">{number("recaptionDisagreementThreshold", { min: 0, max: 1, step: "any" })}</Field>
        <Field formId={id} name="verifierRule">
          <select {...fieldProps("verifierRule")}>
            {VERIFIER_OPTIONS.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </Field>
        <Field formId={id} name="verifierVersion">
          <input type="text" maxLength={200} {...fieldProps("verifierVersion")} />
        </Field>
        <fieldset className="grid gap-3 sm:col-span-2" aria-describedby={`${id}-verifierScales-help`}>
          <legend className="text-sm font-medium">{LABELS.verifierScales}</legend>
          <p id={`${id}-verifierScales-help`} className="text-xs text-neutral-600">
            {HELP.verifierScales}
          </p>
          <ScalesEditor
            rows={scales}
            onChange={setScales}
            invalid={note?.kind === "error" && note.field === "verifierScales"}
            describedBy={`${id}-verifierScales`}
          />
        </fieldset>
      </fieldset>
      <fieldset className="rounded-lg border border-neutral-200 bg-white p-4">
        <legend className="px-1 font-medium">Images</legend>
        <div className="flex items-center gap-2">
          <input
            type="checkbox"
            id={`${id}-webImagesInPlace`}
            name="webImagesInPlace"
            checked={draft.webImagesInPlace === "true"}
            onChange={(e) => setDraft((d) => ({ ...d, webImagesInPlace: String(e.target.checked) }))}
            aria-describedby={`${id}-webImagesInPlace-help`}
          />
          <label htmlFor={`${id}-webImagesInPlace`} className="text-sm font-medium">
            {LABELS.webImagesInPlace}
          </label>
        </div>
        <p id={`${id}-webImagesInPlace-help`} className="mt-1 text-xs text-neutral-600">
          {HELP.webImagesInPlace}
        </p>
      </fieldset>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={save.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
          {save.isPending ? "Saving…" : "Save settings"}
        </button>
        <div role="status" className={`text-sm ${note?.kind === "error" ? "text-red-700" : "text-emerald-700"}`}>
          {save.isPending ? "Saving…" : (note?.text ?? null)}
        </div>
      </div>
      <RecomputeProgress projectId={projectId} latest={latest} />
    </form>
  );
}
