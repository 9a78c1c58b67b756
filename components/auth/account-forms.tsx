"use client";

import { useActionState, useEffect } from "react";
import { changePasswordAction, resetPasswordAction, signOutEverywhereAction } from "@/lib/users/account-actions";

type TState = { ok: boolean; error?: string; message?: string } | null;

function Result({ state }: { state: TState }) {
  if (!state) return null;
  return (
    <p role={state.ok ? "status" : "alert"} className={`text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
      {state.ok ? state.message : state.error}
    </p>
  );
}

const input = "mt-1 w-full rounded border border-neutral-300 px-2 py-1";

function PasswordFields({ withCurrent }: { withCurrent: boolean }) {
  return (
    <>
      {withCurrent ? (
        <label className="block text-sm">
          Current password
          <input name="current" type="password" required autoComplete="current-password" className={input} />
        </label>
      ) : null}
      <label className="block text-sm">
        New password
        <input name="next" type="password" required minLength={10} autoComplete="new-password" className={input} />
      </label>
      <label className="block text-sm">
        New password again
        <input name="confirm" type="password" required minLength={10} autoComplete="new-password" className={input} />
      </label>
    </>
  );
}

export function ChangePasswordForm() {
  const [state, formAction, pending] = useActionState(changePasswordAction, null);
  return (
    <form action={formAction} aria-label="Change password" className="space-y-3">
      <PasswordFields withCurrent />
      <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
        Change password
      </button>
      <Result state={state} />
    </form>
  );
}

export function SignOutEverywhereForm() {
  const [state, formAction, pending] = useActionState(signOutEverywhereAction, null);
  useEffect(() => {
    // This session ended with the others: a full load of sign-in drops everything cached for it.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    if (state?.ok) window.location.assign("/signin");
  }, [state]);
  return (
    <form action={formAction} aria-label="Sign out everywhere" className="space-y-2">
      <button type="submit" disabled={pending} className="rounded-md border border-neutral-300 px-3 py-1.5 disabled:opacity-60">
        Sign out everywhere
      </button>
      <Result state={state} />
    </form>
  );
}

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, formAction, pending] = useActionState(resetPasswordAction, null);
  return (
    <form action={formAction} aria-label="Set a new password" className="space-y-3">
      <input type="hidden" name="token" value={token} />
      <PasswordFields withCurrent={false} />
      <button type="submit" disabled={pending || state?.ok === true} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
        Set password
      </button>
      <Result state={state} />
      {state?.ok ? (
        <a href="/signin" className="block text-sm text-indigo-700 underline">
          Go to sign-in
        </a>
      ) : null}
    </form>
  );
}
