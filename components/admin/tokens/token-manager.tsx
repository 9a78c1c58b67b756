"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { LocalTime } from "@/components/admin/quality/local-time";
import { TOKEN_EXPIRY_DAYS, type TTokenCreated, type TTokenView } from "@/lib/pipeline-api/token-types";
import { createToken, revokeToken } from "./api";

const EXPIRY_LABELS: Record<number, string> = { 30: "30 days", 90: "90 days", 365: "1 year" };

export function CreateTokenForm({ projects }: { projects: { id: number; name: string }[] }) {
  const router = useRouter();
  const id = useId();
  const [created, setCreated] = useState<TTokenCreated | null>(null);
  const create = useMutation({
    mutationFn: createToken,
    onSuccess: (r) => {
      setCreated(r);
      router.refresh();
    },
  });

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const expiry = String(data.get("expiry") ?? "");
    create.mutate(
      {
        name: String(data.get("name") ?? ""),
        projectIds: data.getAll("project").map(Number),
        expiresInDays: expiry === "" ? null : Number(expiry),
      },
      { onSuccess: () => form.reset() },
    );
  };

  return (
    <div className="space-y-3">
      <form onSubmit={onSubmit} aria-labelledby={`${id}-title`} className="grid gap-3 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-3">
        <h2 id={`${id}-title`} className="font-medium sm:col-span-3">New API token</h2>
        <label className="text-sm sm:col-span-2">
          Token name
          <input name="name" required maxLength={100} autoComplete="off" placeholder="e.g. nightly synthesis pipeline"
            className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
        </label>
        <label className="text-sm">
          Expires
          <select name="expiry" defaultValue="90" className="mt-1 w-full rounded border border-neutral-300 px-2 py-1">
            {TOKEN_EXPIRY_DAYS.map((d) => (
              <option key={d} value={d}>after {EXPIRY_LABELS[d]}</option>
            ))}
            <option value="">never (until revoked)</option>
          </select>
        </label>
        <fieldset className="text-sm sm:col-span-3">
          <legend>Projects the token may reach</legend>
          {projects.length === 0 ? <p className="text-neutral-600">Create a project first.</p> : null}
          <div className="mt-1 flex flex-wrap gap-x-4 gap-y-1">
            {projects.map((p) => (
              <label key={p.id} className="flex items-center gap-1">
                <input type="checkbox" name="project" value={p.id} />
                {p.name}
              </label>
            ))}
          </div>
        </fieldset>
        <div className="flex flex-wrap items-center gap-3 sm:col-span-3">
          <button type="submit" disabled={create.isPending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
            {create.isPending ? "Creating…" : "Create token"}
          </button>
          <div role="alert" className="text-sm text-red-700">
            {create.isError ? create.error.message : null}
          </div>
        </div>
      </form>
      {created ? <NewTokenNotice created={created} onDone={() => setCreated(null)} /> : null}
    </div>
  );
}

/** The token, shown this once: focused and selected so it can be copied by keyboard too. */
function NewTokenNotice({ created, onDone }: { created: TTokenCreated; onDone: () => void }) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, [created.token]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied("yes");
    } catch {
      // No clipboard (plain http, or permission refused): the text is selected for Ctrl+C instead.
      input.current?.select();
      setCopied("no");
    }
  };

  return (
    <section aria-labelledby={`${id}-title`} className="space-y-2 rounded-lg border border-emerald-300 bg-emerald-50 p-4">
      <h2 id={`${id}-title`} className="font-medium">Token “{created.view.name}” created</h2>
      <p className="text-sm">Copy it now: it is shown only this once. Loupe keeps only a hash of it.</p>
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={`${id}-token`} className="sr-only">New API token</label>
        <input id={`${id}-token`} ref={input} readOnly value={created.token} spellCheck={false}
          className="w-full max-w-xl rounded border border-neutral-300 bg-white px-2 py-1 font-mono text-sm" />
        <button type="button" onClick={copy} className="rounded-md border border-neutral-300 bg-white px-3 py-1 text-sm">
          Copy token
        </button>
        <button type="button" onClick={onDone} className="rounded-md border border-neutral-300 bg-white px-3 py-1 text-sm">
          Done
        </button>
        <span role="status" className="text-sm text-emerald-800">
          {copied === "yes" ? "Copied." : copied === "no" ? "Copying is blocked here: the token is selected, press Ctrl+C." : null}
        </span>
      </div>
    </section>
  );
}

export function RevokeTokenButton({ token }: { token: TTokenView }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const revoke = useMutation({ mutationFn: () => revokeToken(token.id), onSuccess: () => router.refresh() });
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (token.status === "revoked") return null;
  if (!confirming) {
    return (
      <button type="button" onClick={() => setConfirming(true)} aria-label={`Revoke ${token.name}`}
        className="rounded border border-neutral-300 px-2 py-0.5 text-sm">
        Revoke
      </button>
    );
  }
  return (
    <span className="flex flex-wrap items-center gap-2">
      <button ref={confirmRef} type="button" disabled={revoke.isPending} onClick={() => revoke.mutate()} aria-label={`Confirm: revoke ${token.name}`}
        className="rounded bg-red-700 px-2 py-0.5 text-sm text-white disabled:opacity-60">
        Revoke now
      </button>
      <button type="button" onClick={() => setConfirming(false)} className="rounded border border-neutral-300 px-2 py-0.5 text-sm">
        Cancel
      </button>
      {revoke.isError ? <span role="alert" className="text-sm text-red-700">{revoke.error.message}</span> : null}
    </span>
  );
}

export function TokenTime({ iso, none }: { iso: string | null; none: string }) {
  return iso ? <LocalTime iso={iso} /> : <span className="text-neutral-500">{none}</span>;
}
