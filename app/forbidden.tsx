import Link from "next/link";

export default function Forbidden() {
  return (
    <main className="mx-auto max-w-lg p-10">
      <h1 className="text-2xl font-semibold">Not allowed</h1>
      <p className="mt-3 text-neutral-600">Your role does not give you access to this page.</p>
      <Link href="/" className="mt-6 inline-block text-indigo-700 underline">
        Back to your projects
      </Link>
    </main>
  );
}
