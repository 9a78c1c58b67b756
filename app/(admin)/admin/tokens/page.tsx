import type { Metadata } from "next";
import { requirePage } from "@/lib/auth/page";
import { listApiTokens } from "@/lib/pipeline-api/tokens";
import { listProjects } from "@/lib/projects/queries";
import { AppHeader } from "@/components/ui/app-header";
import { Breadcrumb } from "@/components/ui/breadcrumb";
import { CreateTokenForm, RevokeTokenButton, TokenTime } from "@/components/admin/tokens/token-manager";

export const metadata: Metadata = { title: "API tokens" };
export const dynamic = "force-dynamic";

const STATUS_CLASS = { active: "text-emerald-700", revoked: "text-neutral-500", expired: "text-amber-700" } as const;

export default async function TokensPage() {
  const { user, db } = await requirePage("api:token:manage", "/admin/tokens");
  const [tokens, projects] = await Promise.all([listApiTokens(db), listProjects(db)]);
  return (
    <>
      <AppHeader user={user} title="API tokens" />
      <main className="mx-auto max-w-6xl space-y-6 p-6">
        <Breadcrumb parent={{ href: "/admin", label: "Admin" }} current="API tokens" />
        <h1 className="text-2xl font-semibold">API tokens</h1>
        <p className="max-w-3xl text-sm text-neutral-700">
          A pipeline sends candidate pairs and reads final labels with a token, as{" "}
          <code>Authorization: Bearer loupe_…</code> (see docs/guide/api.md in the repository and{" "}
          <a href="/api/v1/openapi.json" className="text-indigo-700 underline">the OpenAPI document</a>). A token acts as you, with your role
          as it is at each request, on the projects you choose only. Revoking it, or disabling its owner, stops it at once.
        </p>
        <CreateTokenForm projects={projects.map((p) => ({ id: p.id, name: p.name }))} />
        <table className="w-full border-collapse bg-white text-sm">
          <caption className="sr-only">API tokens</caption>
          <thead className="bg-neutral-100 text-left">
            <tr>
              <th scope="col" className="p-2">Name</th>
              <th scope="col" className="p-2">Token</th>
              <th scope="col" className="p-2">Owner</th>
              <th scope="col" className="p-2">Projects</th>
              <th scope="col" className="p-2">Created</th>
              <th scope="col" className="p-2">Last used</th>
              <th scope="col" className="p-2">Expires</th>
              <th scope="col" className="p-2">Status</th>
              <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 ? (
              <tr><td colSpan={9} className="p-2 text-neutral-600">No tokens yet.</td></tr>
            ) : null}
            {tokens.map((t) => (
              <tr key={t.id} className="border-t border-neutral-200">
                <td className="p-2">{t.name}</td>
                <td className="p-2 font-mono">{t.hint}…</td>
                <td className="p-2">{t.owner.name}</td>
                <td className="p-2">{t.projects.map((p) => p.name).join(", ") || "—"}</td>
                <td className="p-2"><TokenTime iso={t.createdAt} none="" /></td>
                <td className="p-2"><TokenTime iso={t.lastUsedAt} none="never" /></td>
                <td className="p-2"><TokenTime iso={t.expiresAt} none="never" /></td>
                <td className={`p-2 ${STATUS_CLASS[t.status]}`}>{t.status}</td>
                <td className="p-2"><RevokeTokenButton token={t} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </>
  );
}
