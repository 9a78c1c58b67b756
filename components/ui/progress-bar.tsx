// A background job's progress (imports, exports): an accessible progressbar and a line saying where it is.
export function JobProgress({ label, percent, barClassName, children }: { label: string; percent: number; barClassName: string; children: React.ReactNode }) {
  return (
    <div className="space-y-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}%`}
        className="h-2 overflow-hidden rounded bg-neutral-200"
      >
        <div className={`h-full transition-[width] duration-500 ${barClassName}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="text-sm tabular-nums text-neutral-700">
        <span className="font-medium">{percent}%</span> · {children}
      </p>
    </div>
  );
}
