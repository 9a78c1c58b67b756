import Link from "next/link";

export default function NotFound() {
  return (
    <main className="mx-auto max-w-lg p-10">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="mt-3 text-neutral-600">There is nothing here, or it is not yours to see.</p>
      <Link href="/" className="mt-6 inline-block text-indigo-700 underline">
        Back to your projects
      </Link>
    </main>
  );
}
