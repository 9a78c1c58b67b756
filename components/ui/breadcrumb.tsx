import Link from "next/link";

export function Breadcrumb({ parent, current }: { parent: { href: string; label: string }; current: string }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-neutral-600">
      <Link href={parent.href} className="text-indigo-700 underline">{parent.label}</Link>
      <span aria-hidden> / </span>
      <span>{current}</span>
    </nav>
  );
}
