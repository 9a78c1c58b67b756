"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { EVENT_LABELS, type TDeliveryView } from "@/lib/webhooks/schemas";
import { LocalTime } from "@/components/admin/quality/local-time";
import { listDeliveries, redeliver, webhookKeys } from "./api";
import { dueIn, isWaiting, STATUS_CLASSES, STATUS_LABELS } from "./format";

export function DeliveryLog({ endpointId, endpointLabel, active }: { endpointId: number; endpointLabel: string; active: boolean }) {
  const qc = useQueryClient();
  const id = useId();
  const log = useInfiniteQuery({
    queryKey: webhookKeys.deliveries(endpointId),
    queryFn: ({ pageParam, signal }) => listDeliveries(endpointId, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
    staleTime: 0,
    refetchInterval: (q) => (q.state.data?.pages[0]?.items.some((d) => isWaiting(d.status)) ? 1_500 : 15_000),
  });
  const again = useMutation({
    mutationFn: (deliveryId: string) => redeliver(endpointId, deliveryId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: webhookKeys.deliveries(endpointId) }),
  });
  const items = log.data?.pages.flatMap((p) => p.items) ?? [];
  const now = log.dataUpdatedAt;

  return (
    <section aria-labelledby={`${id}-title`} className="space-y-2">
      <h4 id={`${id}-title`} className="text-sm font-semibold">
        Delivery log
      </h4>
      {log.isPending ? <p role="status" className="text-sm text-neutral-600">Loading deliveries…</p> : null}
      {log.isError ? <p role="alert" className="text-sm text-red-700">Could not load the deliveries: {log.error.message}</p> : null}
      {again.isError ? <p role="alert" className="text-sm text-red-700">Not redelivered: {again.error.message}</p> : null}
      {!log.isPending && items.length === 0 ? <p className="text-sm text-neutral-600">Nothing sent yet. Try “Send test event”.</p> : null}
      {items.length > 0 ? (
        <div className="overflow-x-auto">
          <table className="w-full border-collapse text-sm">
            <caption className="sr-only">Deliveries to {endpointLabel}, newest first</caption>
            <thead className="bg-neutral-100 text-left">
              <tr>
                <th scope="col" className="p-2">Delivery</th>
                <th scope="col" className="p-2">Status</th>
                <th scope="col" className="p-2">Attempts</th>
                <th scope="col" className="p-2">Answer</th>
                <th scope="col" className="p-2">Next attempt</th>
                <th scope="col" className="p-2">Queued</th>
                <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <DeliveryRow key={d.id} d={d} now={now} canRedeliver={active || d.event === "webhook.test"}
                  redelivering={again.isPending && again.variables === d.id} onRedeliver={() => again.mutate(d.id)} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {log.hasNextPage ? (
        <button type="button" onClick={() => void log.fetchNextPage()} disabled={log.isFetchingNextPage}
          className="rounded border border-neutral-300 px-2 py-1 text-sm disabled:opacity-50">
          {log.isFetchingNextPage ? "Loading…" : "Older deliveries"}
        </button>
      ) : null}
    </section>
  );
}

function DeliveryRow({ d, now, canRedeliver, redelivering, onRedeliver }: {
  d: TDeliveryView;
  now: number;
  canRedeliver: boolean;
  redelivering: boolean;
  onRedeliver: () => void;
}) {
  return (
    <tr className="border-t border-neutral-200 align-top">
      <th scope="row" className="p-2 text-left font-normal">
        <span className="font-medium">{EVENT_LABELS[d.event]}</span> <span className="text-neutral-500">#{d.id}</span>
        {d.redeliveryOf ? <span className="block text-xs text-neutral-600">redelivery of #{d.redeliveryOf}</span> : null}
        <details className="mt-1">
          <summary className="cursor-pointer text-xs text-indigo-700">Body</summary>
          <pre className="mt-1 max-w-md overflow-x-auto whitespace-pre-wrap break-all rounded bg-neutral-50 p-2 text-xs">
            {JSON.stringify(d.payload, null, 2)}
          </pre>
        </details>
      </th>
      <td className="p-2">
        <span className={`rounded px-2 py-0.5 text-xs font-medium ${STATUS_CLASSES[d.status]}`}>{STATUS_LABELS[d.status]}</span>
      </td>
      <td className="p-2 tabular-nums">
        {d.attempts} of {d.maxAttempts}
      </td>
      <td className="max-w-xs p-2">
        {d.lastStatusCode !== null ? <span className="tabular-nums">HTTP {d.lastStatusCode}</span> : null}
        {d.responseMs !== null ? <span className="text-neutral-600"> in {d.responseMs} ms</span> : null}
        {d.lastError ? <span className="block break-words text-xs text-red-800">{d.lastError}</span> : null}
        {d.lastStatusCode === null && !d.lastError ? <span className="text-neutral-500">—</span> : null}
      </td>
      <td className="p-2">{d.nextAttemptAt && d.status === "pending" ? dueIn(d.nextAttemptAt, now) : <span className="text-neutral-500">—</span>}</td>
      <td className="p-2">
        <LocalTime iso={d.createdAt} withSeconds />
      </td>
      <td className="p-2">
        {!isWaiting(d.status) && canRedeliver ? (
          <button type="button" onClick={onRedeliver} disabled={redelivering} aria-label={`Redeliver delivery #${d.id}`}
            className="rounded border border-neutral-300 px-2 py-0.5 text-sm hover:bg-neutral-100 disabled:opacity-50">
            Redeliver
          </button>
        ) : null}
      </td>
    </tr>
  );
}
