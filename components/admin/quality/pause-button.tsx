"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { pauseRequest } from "./request";

export function PauseButton({ projectId, userId, name }: { projectId: number; userId: number; name: string }) {
  const router = useRouter();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const opener = useRef<HTMLButtonElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const wasOpen = useRef(false);
  // Focus follows the swap: into the reason when the form opens, back to "Pause…" when it closes.
  useEffect(() => {
    if (open) field.current?.focus();
    else if (wasOpen.current) opener.current?.focus();
    wasOpen.current = open;
  }, [open]);
  const pause = useMutation({
    mutationFn: (text: string) => pauseRequest(projectId, userId, text),
    onSuccess: () => {
      setOpen(false);
      setReason("");
      router.refresh();
    },
  });

  const close = () => {
    setOpen(false);
    pause.reset();
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    pause.mutate(reason);
  };

  if (!open) {
    return (
      <button ref={opener} type="button" onClick={() => setOpen(true)} aria-label={`Pause ${name}`} className="rounded border border-neutral-300 px-2 py-0.5 text-sm">
        Pause…
      </button>
    );
  }
  return (
    <form onSubmit={onSubmit} onKeyDown={(e) => e.key === "Escape" && close()} aria-label={`Pause ${name}`} className="flex min-w-64 flex-col gap-1">
      <label htmlFor={`${id}-reason`} className="text-xs font-medium">
        Reason {name} will read
      </label>
      <textarea
        id={`${id}-reason`}
        ref={field}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        rows={2}
        maxLength={500}
        required
        className="rounded border border-neutral-300 px-2 py-1 text-sm"
      />
      <div className="flex gap-2">
        <button type="submit" disabled={pause.isPending} className="rounded-md bg-red-700 px-2 py-0.5 text-sm text-white disabled:opacity-60">
          {pause.isPending ? "Pausing…" : `Pause ${name}`}
        </button>
        <button type="button" onClick={close} className="rounded-md border border-neutral-300 px-2 py-0.5 text-sm">
          Cancel
        </button>
      </div>
      <p role="status" className="text-xs text-red-700">
        {pause.isError ? pause.error.message : null}
      </p>
    </form>
  );
}
