import type { Metadata } from "next";
import { cookies } from "next/headers";
import { requirePage } from "@/lib/auth/page";
import { AppHeader } from "@/components/ui/app-header";
import { ChangePasswordForm, SignOutEverywhereForm } from "@/components/auth/account-forms";
import { parseTheme, THEME_COOKIE } from "@/components/ui/theme";
import { ThemePicker } from "@/components/ui/theme-picker";

export const metadata: Metadata = { title: "Your account" };

export default async function AccountPage() {
  const { user } = await requirePage("account:manage", "/account");
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <>
      <AppHeader user={user} title="Your account" />
      <main className="mx-auto max-w-md space-y-8 p-6">
        <h1 className="text-xl font-semibold">{user.email}</h1>
        <section aria-labelledby="pw" className="space-y-3">
          <h2 id="pw" className="font-medium">Change password</h2>
          <p className="text-sm text-neutral-600">Your other sessions (other browsers and devices) are signed out; this one stays.</p>
          <ChangePasswordForm />
        </section>
        <section aria-labelledby="theme-title" className="space-y-3">
          <h2 id="theme-title" className="font-medium">Theme</h2>
          <p className="text-sm text-neutral-600">For this browser. System follows your computer&apos;s light or dark setting.</p>
          <ThemePicker initial={theme} labelledBy="theme-title" />
        </section>
        <section aria-labelledby="everywhere" className="space-y-3">
          <h2 id="everywhere" className="font-medium">Sign out everywhere</h2>
          <p className="text-sm text-neutral-600">Ends every session of this account, this one included.</p>
          <SignOutEverywhereForm />
        </section>
      </main>
    </>
  );
}
