import type { Metadata } from "next";
import { getResetPage } from "@/lib/auth/page";
import { ResetPasswordForm } from "@/components/auth/account-forms";

export const metadata: Metadata = { title: "Set a new password", referrer: "no-referrer" };

export default async function ResetPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const email = await getResetPage(token);
  return (
    <main className="flex min-h-screen items-center justify-center p-6">
      <div className="w-full max-w-sm space-y-4 rounded-xl border border-neutral-200 bg-white p-8 shadow-sm">
        <h1 className="text-2xl font-semibold tracking-tight">Set a new password</h1>
        {email ? (
          <>
            <p className="text-sm text-neutral-600">For {email}. Every session of this account will be signed out.</p>
            <ResetPasswordForm token={token} />
          </>
        ) : (
          <p role="alert" className="text-sm text-red-700">
            This reset link has expired or was already used. Ask an admin for a new one.
          </p>
        )}
      </div>
    </main>
  );
}
