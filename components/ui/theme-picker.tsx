"use client";

import { useState } from "react";
import { THEME_LABELS, THEMES, themeAttribute, themeCookie, type TTheme } from "./theme";

function applyTheme(theme: TTheme) {
  document.cookie = themeCookie(theme);
  const attr = themeAttribute(theme);
  if (attr) document.documentElement.setAttribute("data-theme", attr);
  else document.documentElement.removeAttribute("data-theme");
}

/** System, Light or Dark for this browser: applied at once, and kept for the server's next render. */
export function ThemePicker({ initial, labelledBy }: { initial: TTheme; labelledBy: string }) {
  const [theme, setTheme] = useState(initial);
  const choose = (next: TTheme) => {
    setTheme(next);
    applyTheme(next);
  };
  return (
    <div role="radiogroup" aria-labelledby={labelledBy} className="flex gap-4">
      {THEMES.map((t) => (
        <label key={t} className="flex items-center gap-2 text-sm">
          <input type="radio" name="theme" value={t} checked={theme === t} onChange={() => choose(t)} />
          {THEME_LABELS[t]}
        </label>
      ))}
    </div>
  );
}
