import Link from "next/link";
import { can, type TSessionUser } from "@/lib/auth/permissions";
import { SignOutButton } from "@/components/auth/sign-out-button";

export function AppHeader({ user, title }: { user: TSessionUser; title?: string }) {
  return (
    <header className="border-b border-neutral-200 bg-white">
      <div className="mx-auto flex max-w-[1600px] items-center gap-6 px-4 py-2">
        <Link href="/" className="font-semibold tracking-tight">
          Loupe
        </Link>
        {title ? <span className="truncate text-sm text-neutral-600">{title}</span> : null}
        <nav aria-label="Main" className="ml-auto flex items-center gap-4 text-sm">
          <Link href="/" className="hover:underline">
            Projects
          </Link>
          {can(user.role, "review:label:any") ? (
            <Link href="/review" className="hover:underline">
              Review
            </Link>
          ) : null}
          {can(user.role, "admin:view") ? (
            <>
              <Link href="/admin" className="hover:underline">
                Admin
              </Link>
              <Link href="/admin/users" className="hover:underline">
                Users
              </Link>
            </>
          ) : null}
          {can(user.role, "audit:read") ? (
            <Link href="/admin/audit" className="hover:underline">
              Audit log
            </Link>
          ) : null}
          {can(user.role, "api:token:manage") ? (
            <Link href="/admin/tokens" className="hover:underline">
              API tokens
            </Link>
          ) : null}
          <Link href="/account" className="text-neutral-500 hover:underline" aria-label="Signed in as">
            {user.name} · {user.role}
          </Link>
          <SignOutButton />
        </nav>
      </div>
    </header>
  );
}
