"use client";

import { useId, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { TEarlierTurn, TEarlierTurns } from "@/lib/queue/types";
import { callJson } from "@/components/ui/api-client";
import { imageUrl } from "./pair-flow";

// The earlier turns of a multi-turn session (turn n edits turn n-1's output), collapsed by default. They
// load only when opened, after the pair is on screen, so they never hold up the decision bar; the open
// state lasts across pairs for those who want it open.

export function EarlierTurns({ pair }: { pair: { id: string; sessionId: string | null; turn: number | null } }) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const inSession = pair.sessionId !== null && pair.turn !== null;
  const turns = useQuery({
    queryKey: ["earlier-turns", pair.id],
    queryFn: () => callJson<TEarlierTurns>(`/api/pairs/${pair.id}/session`),
    enabled: open && inSession,
    staleTime: Infinity,
  });
  if (!inSession) return null;

  return (
    <section aria-label="Session" className="rounded-md border border-neutral-300 bg-neutral-50 text-sm text-neutral-800">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((o) => !o)}
        className="flex w-full items-center gap-2 rounded-md px-3 py-1.5 text-left hover:bg-neutral-100 focus-visible:outline-2 focus-visible:outline-sky-500"
      >
        <span aria-hidden>{open ? "▾" : "▸"}</span>
        <span className="font-medium">Earlier turns</span>
        <span className="text-neutral-600">
          turn {pair.turn} of session <span className="font-mono">{pair.sessionId}</span>
        </span>
      </button>
      {open ? (
        <div id={panelId} role="region" aria-label="Earlier turns of this session" className="border-t border-neutral-200 px-3 py-2">
          {turns.isPending ? (
            <p role="status">Loading earlier turns…</p>
          ) : turns.isError ? (
            <p role="alert" className="text-red-700">Could not load the earlier turns: {turns.error.message}</p>
          ) : turns.data.earlier.length === 0 ? (
            <p>This is the session&apos;s first turn.</p>
          ) : (
            <>
              {turns.data.omitted > 0 ? <p className="mb-1 text-neutral-600">{turns.data.omitted} earlier turns not shown.</p> : null}
              <ol className="flex gap-3 overflow-x-auto pb-1">
                {turns.data.earlier.map((t) => (
                  <Turn key={t.pairId} turn={t} />
                ))}
              </ol>
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}

function Turn({ turn }: { turn: TEarlierTurn }) {
  return (
    <li aria-label={`Turn ${turn.turn}`} className="flex w-64 shrink-0 flex-col gap-1">
      <p className="text-xs font-semibold text-neutral-600">Turn {turn.turn}</p>
      <div className="flex gap-1">
        <Thumb sha256={turn.sourceImage} alt={`Turn ${turn.turn}: source`} />
        <Thumb sha256={turn.editedImage} alt={`Turn ${turn.turn}: edited`} />
      </div>
      <p className="line-clamp-3" title={turn.instruction}>{turn.instruction}</p>
    </li>
  );
}

function Thumb({ sha256, alt }: { sha256: string; alt: string }) {
  return (
    <a href={imageUrl(sha256)} target="_blank" rel="noreferrer" className="focus-visible:outline-2 focus-visible:outline-sky-500">
      {/* eslint-disable-next-line @next/next/no-img-element -- served by our own image route, sized by CSS */}
      <img src={imageUrl(sha256)} alt={alt} loading="lazy" className="h-20 w-auto max-w-[7.5rem] rounded border border-neutral-300 object-contain" />
    </a>
  );
}
