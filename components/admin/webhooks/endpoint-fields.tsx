"use client";

import { EVENT_LABELS, WEBHOOK_EVENTS, type TWebhookEvent } from "@/lib/webhooks/schemas";

export interface TEndpointDraft {
  url: string;
  description: string;
  events: TWebhookEvent[];
}

const EVENT_HELP: Record<TWebhookEvent, string> = {
  "pair.finalized": "a pair gets its final label (consensus or a reviewer), or its final label changes",
  "pair.reopened": "a final pair stops being final (an annotator's undo, a reviewer's correction)",
  "export.finished": "an export job has written its files",
};

export function EndpointFields({
  idBase,
  draft,
  onChange,
  invalidField,
}: {
  idBase: string;
  draft: TEndpointDraft;
  onChange: (next: TEndpointDraft) => void;
  invalidField?: string | null;
}) {
  const toggle = (e: TWebhookEvent) =>
    onChange({ ...draft, events: draft.events.includes(e) ? draft.events.filter((x) => x !== e) : [...draft.events, e] });
  return (
    <div className="grid gap-3">
      <div>
        <label htmlFor={`${idBase}-url`} className="text-sm font-medium">
          Endpoint URL
        </label>
        <input
          id={`${idBase}-url`}
          type="url"
          inputMode="url"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={2048}
          placeholder="https://pipeline.example.com/hooks/loupe"
          value={draft.url}
          aria-invalid={invalidField === "url" ? true : undefined}
          aria-describedby={`${idBase}-url-help`}
          onChange={(e) => onChange({ ...draft, url: e.target.value })}
          className="mt-1 w-full rounded border border-neutral-300 px-2 py-1 font-mono text-sm aria-[invalid=true]:border-red-600"
        />
        <p id={`${idBase}-url-help`} className="mt-1 text-xs text-neutral-600">
          Loupe POSTs JSON here. http or https; redirects are not followed; private and loopback addresses are refused unless the
          server allows them (LOUPE_WEBHOOK_ALLOW).
        </p>
      </div>
      <div>
        <label htmlFor={`${idBase}-description`} className="text-sm font-medium">
          Description <span className="font-normal text-neutral-600">(optional)</span>
        </label>
        <input
          id={`${idBase}-description`}
          type="text"
          maxLength={200}
          value={draft.description}
          onChange={(e) => onChange({ ...draft, description: e.target.value })}
          className="mt-1 w-full rounded border border-neutral-300 px-2 py-1 text-sm"
        />
      </div>
      <fieldset aria-invalid={invalidField === "events" ? true : undefined}>
        <legend className="text-sm font-medium">Events</legend>
        <div className="mt-1 grid gap-1">
          {WEBHOOK_EVENTS.map((e) => (
            <label key={e} className="flex items-start gap-2 text-sm">
              <input type="checkbox" className="mt-1" checked={draft.events.includes(e)} onChange={() => toggle(e)} />
              <span>
                {EVENT_LABELS[e]} <code className="text-xs text-neutral-600">{e}</code>
                <span className="block text-xs text-neutral-600">when {EVENT_HELP[e]}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
