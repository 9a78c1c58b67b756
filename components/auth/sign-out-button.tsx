"use client";

import { signOut } from "next-auth/react";

export function SignOutButton() {
  return (
    <button type="button" onClick={() => signOut({ callbackUrl: "/signin" })}
      className="rounded-md border border-neutral-300 px-2 py-1 hover:bg-neutral-100">
      Sign out
    </button>
  );
}
