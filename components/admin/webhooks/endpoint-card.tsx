"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type FormEvent } from "react";
import { EVENT_LABELS, type TEndpointView } from "@/lib/webhooks/schemas";
import { ApiError } from "@/components/ui/api-client";
import { LocalTime } from "@/components/admin/quality/local-time";
import { deleteEndpoint, rotateSecret, sendTestEvent, updateEndpoint, webhookKeys } from "./api";
import { DeliveryLog } from "./delivery-log";
import { EndpointFields, type TEndpointDraft } from "./endpoint-fields";

export interface TShownSecret {
  endpointId: number;
  url: string;
  secret: string;
  kind: "created" | "rotated";
}

export function EndpointCard({
  projectId,
  endpoint,
  onSecret,
}: {
  projectId: number;
  endpoint: TEndpointView;
  onSecret: (s: TShownSecret) => void;
}) {
  const qc = useQueryClient();
  const id = useId();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: webhookKeys.list(projectId) });
    void qc.invalidateQueries({ queryKey: webhookKeys.deliveries(endpoint.id) });
  };
  const fail = (err: Error) => setMessage({ kind: "error", text: err.message });

  const test = useMutation({
    mutationFn: () => sendTestEvent(endpoint.id),
    onSuccess: (d) => {
      setMessage({ kind: "ok", text: `Test event queued as delivery #${d.id}; its result appears in the log below.` });
      refresh();
    },
    onError: fail,
  });
  const toggle = useMutation({
    mutationFn: () => updateEndpoint(endpoint.id, { active: !endpoint.active }),
    onSuccess: (e) => {
      setMessage({ kind: "ok", text: e.active ? "Active: held deliveries are being sent." : "Inactive: new events are not queued; waiting deliveries are held." });
      refresh();
    },
    onError: fail,
  });

  const label = endpoint.description || endpoint.url;
  return (
    <article aria-labelledby={`${id}-title`} className="space-y-3 rounded-lg border border-neutral-200 bg-white p-4">
      <header className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h3 id={`${id}-title`} className="break-all font-mono text-sm font-medium">
            {endpoint.url}
          </h3>
          {endpoint.description ? <p className="text-sm text-neutral-700">{endpoint.description}</p> : null}
          <p className="mt-1 text-xs text-neutral-600">
            {endpoint.events.map((e) => EVENT_LABELS[e]).join(" · ")} ·{" "}
            <span className={endpoint.active ? "font-medium text-emerald-800" : "font-medium text-neutral-700"}>
              {endpoint.active ? "Active" : "Inactive"}
            </span>{" "}
            · added <LocalTime iso={endpoint.createdAt} />
            {endpoint.createdBy ? ` by ${endpoint.createdBy}` : ""}
            {endpoint.previousSecretUntil ? (
              <>
                {" "}
                · previous secret also signs until <LocalTime iso={endpoint.previousSecretUntil} />
              </>
            ) : null}
          </p>
          {endpoint.legacySecret ? (
            <p className="mt-1 text-xs text-amber-900">
              This secret predates Standard Webhooks: their libraries refuse it as shown. Rotate it (keeping the old one for a day), or
              see the webhooks guide.
            </p>
          ) : null}
        </div>
        <div className="flex flex-wrap gap-2">
          <button type="button" onClick={() => test.mutate()} disabled={test.isPending} aria-label={`Send test event to ${label}`}
            className="rounded border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100 disabled:opacity-50">
            Send test event
          </button>
          <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}
            aria-label={`${endpoint.active ? "Deactivate" : "Activate"} ${label}`}
            className="rounded border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100 disabled:opacity-50">
            {endpoint.active ? "Deactivate" : "Activate"}
          </button>
          <EditButton endpoint={endpoint} label={label} onDone={(text) => { setMessage({ kind: "ok", text }); refresh(); }} />
          <RotateButton endpoint={endpoint} label={label} onSecret={(s) => { onSecret(s); refresh(); }} />
          <DeleteButton endpoint={endpoint} label={label} onDone={refresh} />
        </div>
      </header>
      {message ? (
        <p role={message.kind === "error" ? "alert" : "status"} className={`text-sm ${message.kind === "error" ? "text-red-700" : "text-neutral-700"}`}>
          {message.text}
        </p>
      ) : null}
      <DeliveryLog endpointId={endpoint.id} endpointLabel={label} active={endpoint.active} />
    </article>
  );
}

function EditButton({ endpoint, label, onDone }: { endpoint: TEndpointView; label: string; onDone: (text: string) => void }) {
  const id = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [draft, setDraft] = useState<TEndpointDraft>({ url: endpoint.url, description: endpoint.description, events: endpoint.events });
  const save = useMutation({
    mutationFn: (d: TEndpointDraft) => updateEndpoint(endpoint.id, d),
    onSuccess: () => {
      dialogRef.current?.close();
      onDone("Saved. Deliveries still waiting go to the endpoint as it is now.");
    },
  });
  const open = () => {
    setDraft({ url: endpoint.url, description: endpoint.description, events: endpoint.events });
    save.reset();
    dialogRef.current?.showModal();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(draft);
  };
  const invalidField = save.error instanceof ApiError ? (save.error.issues[0]?.path ?? null) : null;
  return (
    <>
      <button type="button" onClick={open} aria-label={`Edit ${label}`} className="rounded border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100">
        Edit
      </button>
      <dialog ref={dialogRef} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-lg rounded-xl p-0 shadow-xl backdrop:bg-black/40">
        <form onSubmit={onSubmit} noValidate className="space-y-4 p-6">
          <h2 id={`${id}-title`} className="text-lg font-semibold">Edit endpoint</h2>
          <EndpointFields idBase={`${id}-edit`} draft={draft} onChange={setDraft} invalidField={invalidField} />
          {save.isError ? <p role="alert" className="text-sm text-red-700">Not saved. {save.error.message}</p> : null}
          <div className="flex gap-2">
            <button type="submit" disabled={save.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">Save</button>
            <button type="button" onClick={() => dialogRef.current?.close()} className="rounded-md border border-neutral-300 px-3 py-1.5">Cancel</button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function RotateButton({ endpoint, label, onSecret }: { endpoint: TEndpointView; label: string; onSecret: (s: TShownSecret) => void }) {
  const id = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [keepPrevious, setKeepPrevious] = useState(true);
  const rotate = useMutation({
    mutationFn: () => rotateSecret(endpoint.id, keepPrevious),
    onSuccess: ({ endpoint: e, secret }) => {
      dialogRef.current?.close();
      onSecret({ endpointId: e.id, url: e.url, secret, kind: "rotated" });
    },
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    rotate.mutate();
  };
  return (
    <>
      <button type="button" onClick={() => { rotate.reset(); setKeepPrevious(true); dialogRef.current?.showModal(); }} aria-label={`Rotate secret of ${label}`}
        className="rounded border border-neutral-300 px-2 py-1 text-sm hover:bg-neutral-100">
        Rotate secret
      </button>
      <dialog ref={dialogRef} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-md rounded-xl p-0 shadow-xl backdrop:bg-black/40">
        <form onSubmit={onSubmit} className="space-y-4 p-6">
          <h2 id={`${id}-title`} className="text-lg font-semibold">Rotate the signing secret</h2>
          <p className="text-sm text-neutral-700">A new secret is made and shown once. Receivers must switch to it.</p>
          <label className="flex items-start gap-2 text-sm">
            <input type="checkbox" className="mt-1" checked={keepPrevious} onChange={(e) => setKeepPrevious(e.target.checked)} />
            <span>
              Keep signing with the old secret too for 24 hours
              <span className="block text-xs text-neutral-600">Untick when the old secret leaked: it stops working at once.</span>
            </span>
          </label>
          {rotate.isError ? <p role="alert" className="text-sm text-red-700">{rotate.error.message}</p> : null}
          <div className="flex gap-2">
            <button type="submit" disabled={rotate.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">Rotate</button>
            <button type="button" onClick={() => dialogRef.current?.close()} className="rounded-md border border-neutral-300 px-3 py-1.5">Cancel</button>
          </div>
        </form>
      </dialog>
    </>
  );
}

function DeleteButton({ endpoint, label, onDone }: { endpoint: TEndpointView; label: string; onDone: () => void }) {
  const id = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const remove = useMutation({
    mutationFn: () => deleteEndpoint(endpoint.id),
    onSuccess: () => {
      dialogRef.current?.close();
      onDone();
    },
  });
  return (
    <>
      <button type="button" onClick={() => { remove.reset(); dialogRef.current?.showModal(); }} aria-label={`Delete ${label}`}
        className="rounded border border-red-300 px-2 py-1 text-sm text-red-800 hover:bg-red-50">
        Delete
      </button>
      <dialog ref={dialogRef} aria-labelledby={`${id}-title`} className="m-auto w-full max-w-md rounded-xl p-0 shadow-xl backdrop:bg-black/40">
        <div className="space-y-4 p-6">
          <h2 id={`${id}-title`} className="text-lg font-semibold">Delete this endpoint?</h2>
          <p className="break-all text-sm text-neutral-700">
            <span className="font-mono">{endpoint.url}</span> stops receiving events, and its delivery log is deleted with it.
          </p>
          {remove.isError ? <p role="alert" className="text-sm text-red-700">{remove.error.message}</p> : null}
          <div className="flex gap-2">
            <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending}
              className="rounded-md bg-red-700 px-3 py-1.5 text-white disabled:opacity-60">
              Delete endpoint
            </button>
            <button type="button" onClick={() => dialogRef.current?.close()} autoFocus className="rounded-md border border-neutral-300 px-3 py-1.5">Cancel</button>
          </div>
        </div>
      </dialog>
    </>
  );
}
