export function ShortcutButton({ label, shortcut, onClick, disabled, className }: {
  label: string;
  shortcut: string;
  onClick: () => void;
  disabled?: boolean;
  className: string;
}) {
  return (
    <button type="button" onClick={onClick} disabled={disabled} aria-keyshortcuts={shortcut}
      className={`inline-flex shrink-0 items-center gap-2 whitespace-nowrap rounded-md px-4 py-2 font-medium disabled:opacity-50 ${className}`}>
      {label}
      <kbd aria-hidden="true" className="rounded border border-current/30 px-1 font-mono text-xs">
        {shortcut}
      </kbd>
    </button>
  );
}
