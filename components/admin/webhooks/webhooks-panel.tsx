"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { TEndpointView } from "@/lib/webhooks/schemas";
import { ApiError } from "@/components/ui/api-client";
import { createEndpoint, listEndpoints, webhookKeys } from "./api";
import { EndpointCard, type TShownSecret } from "./endpoint-card";
import { EndpointFields, type TEndpointDraft } from "./endpoint-fields";

const EMPTY: TEndpointDraft = { url: "", description: "", events: ["pair.finalized"] };

export function WebhooksPanel({ projectId, initial }: { projectId: number; initial: TEndpointView[] }) {
  const qc = useQueryClient();
  const id = useId();
  const list = useQuery({
    queryKey: webhookKeys.list(projectId),
    queryFn: ({ signal }) => listEndpoints(projectId, signal),
    initialData: initial,
    staleTime: 0,
    refetchInterval: 15_000,
  });
  const [draft, setDraft] = useState<TEndpointDraft>(EMPTY);
  const [shown, setShown] = useState<TShownSecret | null>(null);
  const create = useMutation({
    mutationFn: (d: TEndpointDraft) => createEndpoint(projectId, d),
    onSuccess: ({ endpoint, secret }) => {
      setDraft(EMPTY);
      setShown({ endpointId: endpoint.id, url: endpoint.url, secret, kind: "created" });
      void qc.invalidateQueries({ queryKey: webhookKeys.list(projectId) });
    },
  });
  const invalidField = create.error instanceof ApiError ? (create.error.issues[0]?.path ?? null) : null;

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(draft);
  };
  const endpoints = list.data ?? [];

  return (
    <div className="space-y-6">
      {shown ? <SecretNotice shown={shown} onDone={() => setShown(null)} /> : null}

      <form onSubmit={onSubmit} aria-labelledby={`${id}-add`} noValidate className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
        <h2 id={`${id}-add`} className="font-medium">
          Add an endpoint
        </h2>
        <EndpointFields idBase={`${id}-new`} draft={draft} onChange={setDraft} invalidField={invalidField} />
        {create.isError ? (
          <p role="alert" className="text-sm text-red-700">
            Not added. {create.error.message}
          </p>
        ) : null}
        <button type="submit" disabled={create.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
          {create.isPending ? "Adding…" : "Add endpoint"}
        </button>
      </form>

      <section aria-labelledby={`${id}-list`} className="space-y-3">
        <h2 id={`${id}-list`} className="text-lg font-semibold">
          Endpoints
        </h2>
        {list.isError ? <p role="alert" className="text-sm text-red-700">Could not refresh the endpoints: {list.error.message}</p> : null}
        {endpoints.length === 0 ? (
          <p className="text-sm text-neutral-600">No endpoints yet. Add one above to have Loupe call your pipeline.</p>
        ) : (
          <ul className="space-y-4">
            {endpoints.map((e) => (
              <li key={e.id}>
                <EndpointCard projectId={projectId} endpoint={e} onSecret={setShown} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

/** The new secret, shown this once: copy it into the receiver's configuration. */
function SecretNotice({ shown, onDone }: { shown: TShownSecret; onDone: () => void }) {
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => heading.current?.focus(), [shown.secret]);
  const copy = async () => {
    await navigator.clipboard.writeText(shown.secret).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };
  return (
    <section aria-labelledby={`${id}-title`} className="space-y-2 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
      <h2 id={`${id}-title`} ref={heading} tabIndex={-1} className="font-medium outline-none">
        {shown.kind === "created" ? "Endpoint added" : "Secret rotated"}: copy its signing secret now
      </h2>
      <p className="text-sm text-neutral-700">
        Your receiver checks each request&apos;s Standard Webhooks signature (<code>webhook-signature</code>) with this secret, for
        example with the <code>standardwebhooks</code> library. It is shown only this once; if it is lost, rotate it.
      </p>
      <label htmlFor={`${id}-secret`} className="block text-sm font-medium">
        Signing secret for <span className="font-mono">{shown.url}</span>
      </label>
      <div className="flex gap-2">
        <input
          id={`${id}-secret`}
          readOnly
          value={shown.secret}
          onFocus={(e) => e.currentTarget.select()}
          className="w-full rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-sm"
        />
        <button type="button" onClick={() => void copy()} className="rounded border border-neutral-300 bg-white px-3 py-1 text-sm">
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <button type="button" onClick={onDone} className="rounded border border-neutral-300 bg-white px-3 py-1 text-sm">
        I have stored the secret
      </button>
    </section>
  );
}
