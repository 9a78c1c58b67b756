import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getSessionUser } from "@/lib/auth/session";
import { SignInForm } from "@/components/auth/sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

function safeCallback(raw: string | string[] | undefined): string {
  const v = Array.isArray(raw) ? raw[0] : raw;
  // Only same-site paths: an open redirect after sign-in is a phishing aid.
  return v && v.startsWith("/") && !v.startsWith("//") ? v : "/";
}

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const callbackUrl = safeCallback(sp.callbackUrl);
  if (await getSessionUser()) redirect(callbackUrl);
  const error = typeof sp.error === "string" ? sp.error : undefined;
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm rounded-xl border border-neutral-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold tracking-tight">Loupe</h1>
        <p className="mt-1 text-sm text-neutral-600">Sign in to review edit pairs.</p>
        <SignInForm callbackUrl={callbackUrl} initialError={error === "CredentialsSignin" ? "Email or password is incorrect." : error} />
      </div>
    </main>
  );
}
