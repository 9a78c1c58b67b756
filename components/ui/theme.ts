// The theme a browser chose: kept in a cookie rather than local storage so the server renders <html>
// with it and the first paint is already in the right theme.

export const THEMES = ["system", "light", "dark"] as const;
export type TTheme = (typeof THEMES)[number];

export const THEME_COOKIE = "loupe-theme";
const YEAR_SECONDS = 365 * 24 * 3600;

export const THEME_LABELS: Record<TTheme, string> = { system: "System", light: "Light", dark: "Dark" };

/** A missing or unknown cookie value is the system's setting. */
export function parseTheme(value: string | undefined): TTheme {
  return (THEMES as readonly string[]).includes(value ?? "") ? (value as TTheme) : "system";
}

/** The `data-theme` attribute of <html>: none follows the system. */
export function themeAttribute(theme: TTheme): "light" | "dark" | undefined {
  return theme === "system" ? undefined : theme;
}

/** The `document.cookie` assignment that keeps the choice in this browser (System clears it). */
export function themeCookie(theme: TTheme): string {
  return theme === "system"
    ? `${THEME_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax`
    : `${THEME_COOKIE}=${theme}; Path=/; Max-Age=${YEAR_SECONDS}; SameSite=Lax`;
}
