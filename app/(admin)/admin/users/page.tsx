import type { Metadata } from "next";
import { requirePage } from "@/lib/auth/page";
import { listUsers } from "@/lib/users/service";
import { AppHeader } from "@/components/ui/app-header";
import { CreateUserForm, UserRowControls } from "@/components/admin/user-forms";

export const metadata: Metadata = { title: "Users" };
export const dynamic = "force-dynamic";

export default async function UsersPage() {
  const { user, db } = await requirePage("user:manage", "/admin/users");
  const users = await listUsers(db);
  return (
    <>
      <AppHeader user={user} title="Users" />
      <main className="mx-auto max-w-5xl space-y-6 p-6">
        <h1 className="text-2xl font-semibold">Users</h1>
        <CreateUserForm />
        <table className="w-full border-collapse overflow-hidden rounded-lg bg-white text-sm">
          <caption className="sr-only">All users</caption>
          <thead className="bg-neutral-100 text-left">
            <tr>
              <th scope="col" className="p-2">Email</th>
              <th scope="col" className="p-2">Name</th>
              <th scope="col" className="p-2">Role</th>
              <th scope="col" className="p-2">Status</th>
              <th scope="col" className="p-2">Change</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-t border-neutral-200">
                <td className="p-2">{u.email}</td>
                <td className="p-2">{u.name}</td>
                <td className="p-2">{u.role}</td>
                <td className="p-2">{u.disabled ? "disabled" : "active"}</td>
                <td className="p-2"><UserRowControls user={u} /></td>
              </tr>
            ))}
          </tbody>
        </table>
      </main>
    </>
  );
}
