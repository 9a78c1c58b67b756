import Link from "next/link";

// The admin's per-project pages as one tab row; the current one marked with aria-current.
const TABS = [
  { key: "quality", label: "Quality", href: (id: number) => `/admin/projects/${id}/quality` },
  { key: "agreement", label: "Agreement", href: (id: number) => `/admin/projects/${id}/quality/agreement` },
  { key: "calibration", label: "Calibration", href: (id: number) => `/admin/projects/${id}/calibration` },
  { key: "pairs", label: "Pairs", href: (id: number) => `/admin/projects/${id}/pairs` },
  { key: "dataset-quality", label: "Dataset quality", href: (id: number) => `/admin/projects/${id}/dataset-quality` },
  { key: "gold", label: "Gold", href: (id: number) => `/admin/projects/${id}/gold` },
  { key: "settings", label: "Settings", href: (id: number) => `/admin/projects/${id}/settings` },
  { key: "import", label: "Import", href: (id: number) => `/admin/projects/${id}/import` },
  { key: "export", label: "Export", href: (id: number) => `/admin/projects/${id}/export` },
  { key: "webhooks", label: "Webhooks", href: (id: number) => `/admin/projects/${id}/webhooks` },
] as const;

export type TProjectTab = (typeof TABS)[number]["key"];

export function ProjectNav({ projectId, projectName, current }: { projectId: number; projectName: string; current: TProjectTab }) {
  return (
    <nav aria-label={`Project ${projectName}`} className="flex flex-wrap gap-1 border-b border-neutral-200">
      {TABS.map((t) => (
        <Link
          key={t.key}
          href={t.href(projectId)}
          aria-current={t.key === current ? "page" : undefined}
          className={`rounded-t-md px-3 py-2 text-sm ${
            t.key === current ? "border border-b-white border-neutral-200 bg-white font-medium" : "text-indigo-700 hover:underline"
          }`}
        >
          {t.label}
        </Link>
      ))}
    </nav>
  );
}
