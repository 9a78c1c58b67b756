export const TOOLBAR_BUTTON =
  "rounded px-2 py-1 text-sm text-neutral-200 hover:bg-neutral-700 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-40 disabled:hover:bg-transparent";
