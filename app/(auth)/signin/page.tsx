import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getPageUser } from "@/lib/auth/page";
import { safeCallback } from "@/lib/auth/callback";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

// next-auth passes an error code in ?error=; only known codes are shown, never the raw text.
const SIGNIN_ERRORS: Record<string, string> = {
  CredentialsSignin: "Email or password is incorrect.",
  SessionRequired: "Sign in to continue.",
  AccessDenied: "Access denied.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const callbackUrl = safeCallback(sp.callbackUrl);
  if (await getPageUser()) redirect(callbackUrl);
  const error = typeof sp.error === "string" ? (SIGNIN_ERRORS[sp.error] ?? "Sign-in failed. Try again.") : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-xl border border-neutral-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold tracking-tight">Loupe</h1>
        <p className="mt-1 text-sm text-neutral-600">Sign in to review edit pairs.</p>
        <SignInForm callbackUrl={callbackUrl} initialError={error} />
      </div>
    </main>
  );
}
