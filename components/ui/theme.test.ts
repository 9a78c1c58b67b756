import { describe, expect, it } from "vitest";
import { parseTheme, themeAttribute, themeCookie } from "./theme";

describe("theme", () => {
  it("reads a known choice and takes anything else for the system's setting", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme("system")).toBe("system");
    expect(parseTheme(undefined)).toBe("system");
    expect(parseTheme("Dark")).toBe("system");
    expect(parseTheme("dark; Path=/")).toBe("system");
  });

  it("marks <html> only for an explicit choice", () => {
    expect(themeAttribute("dark")).toBe("dark");
    expect(themeAttribute("light")).toBe("light");
    expect(themeAttribute("system")).toBeUndefined();
  });

  it("keeps a choice for a year on every path, and System removes the cookie", () => {
    expect(themeCookie("dark")).toBe("loupe-theme=dark; Path=/; Max-Age=31536000; SameSite=Lax");
    expect(themeCookie("system")).toBe("loupe-theme=; Path=/; Max-Age=0; SameSite=Lax");
  });
});
