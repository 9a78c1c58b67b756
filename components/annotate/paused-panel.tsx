import Link from "next/link";

const PAUSED_HEADING = "You are paused from this project";

export function PausedPanel({ message }: { message: string }) {
  // The server's message opens with the heading's own sentence; shown once is enough.
  const reason = message.startsWith(`${PAUSED_HEADING}.`) ? message.slice(PAUSED_HEADING.length + 1).trim() : message;
  return (
    <section role="alert" aria-labelledby="paused-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-8">
      <h2 id="paused-heading" className="text-xl font-semibold text-amber-950">{PAUSED_HEADING}</h2>
      <p className="mt-2 text-neutral-800">{reason}</p>
      <p className="mt-4 font-medium text-neutral-900">Ask an admin to lift the pause.</p>
      <p className="mt-1 text-sm text-neutral-700">
        The decisions you made are kept. Until the pause is lifted this project gives you no pairs; your other projects are
        not affected. Meanwhile, re-read the guidelines above: the quality-check pairs are judged by them.
      </p>
      <Link href="/" className="mt-4 inline-block rounded-md border border-neutral-300 bg-white px-3 py-2 text-sm hover:bg-neutral-100">
        Back to projects
      </Link>
    </section>
  );
}
