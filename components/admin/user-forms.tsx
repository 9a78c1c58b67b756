"use client";

import { useActionState } from "react";
import { createUserAction, setDisabledAction, setRoleAction } from "@/lib/users/actions";
import { createResetLinkAction } from "@/lib/users/account-actions";

function Result({ state }: { state: { ok: boolean; error?: string; message?: string } | null }) {
  if (!state) return null;
  return (
    <p role={state.ok ? "status" : "alert"} className={`text-sm ${state.ok ? "text-emerald-700" : "text-red-700"}`}>
      {state.ok ? state.message : state.error}
    </p>
  );
}

export function CreateUserForm() {
  const [state, formAction, pending] = useActionState(createUserAction, null);
  return (
    <form action={formAction} className="grid gap-3 rounded-lg border border-neutral-200 bg-white p-4 sm:grid-cols-5" aria-label="Create user">
      <label className="text-sm">
        Email
        <input name="email" type="email" required className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
      </label>
      <label className="text-sm">
        Name
        <input name="name" required className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
      </label>
      <label className="text-sm">
        Role
        <select name="role" defaultValue="annotator" className="mt-1 w-full rounded border border-neutral-300 px-2 py-1">
          <option value="annotator">annotator</option>
          <option value="reviewer">reviewer</option>
          <option value="admin">admin</option>
        </select>
      </label>
      <label className="text-sm">
        Password
        <input name="password" type="password" minLength={10} required autoComplete="new-password"
          className="mt-1 w-full rounded border border-neutral-300 px-2 py-1" />
      </label>
      <div className="flex items-end">
        <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-3 py-1.5 text-white disabled:opacity-60">
          Create user
        </button>
      </div>
      <div className="sm:col-span-5">
        <Result state={state} />
      </div>
    </form>
  );
}

export function UserRowControls({ user }: { user: { id: number; email: string; role: string; disabled: boolean } }) {
  const [roleState, roleAction, rolePending] = useActionState(setRoleAction, null);
  const [disState, disAction, disPending] = useActionState(setDisabledAction, null);
  const [resetState, resetAction, resetPending] = useActionState(createResetLinkAction, null);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <form action={roleAction} className="flex items-center gap-1">
        <input type="hidden" name="userId" value={user.id} />
        <label className="sr-only" htmlFor={`role-${user.id}`}>
          Role for {user.email}
        </label>
        <select id={`role-${user.id}`} name="role" defaultValue={user.role} className="rounded border border-neutral-300 px-1 py-0.5 text-sm">
          <option value="annotator">annotator</option>
          <option value="reviewer">reviewer</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit" disabled={rolePending} className="rounded border border-neutral-300 px-2 py-0.5 text-sm" aria-label={`Save role for ${user.email}`}>
          Save role
        </button>
      </form>
      <form action={disAction}>
        <input type="hidden" name="userId" value={user.id} />
        <input type="hidden" name="disabled" value={user.disabled ? "false" : "true"} />
        <button type="submit" disabled={disPending} className="rounded border border-neutral-300 px-2 py-0.5 text-sm"
          aria-label={`${user.disabled ? "Enable" : "Disable"} ${user.email}`}>
          {user.disabled ? "Enable" : "Disable"}
        </button>
      </form>
      {user.disabled ? null : (
        <form action={resetAction}>
          <input type="hidden" name="userId" value={user.id} />
          <button type="submit" disabled={resetPending} className="rounded border border-neutral-300 px-2 py-0.5 text-sm"
            aria-label={`Reset link for ${user.email}`}>
            Reset link
          </button>
        </form>
      )}
      <Result state={roleState} />
      <Result state={disState} />
      {resetState ? (
        <p role={resetState.ok ? "status" : "alert"} className={`w-full break-all text-sm ${resetState.ok ? "text-emerald-700" : "text-red-700"}`}>
          {resetState.ok ? resetState.message : resetState.error}
        </p>
      ) : null}
    </div>
  );
}
