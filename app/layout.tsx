import type { Metadata } from "next";
import { cookies } from "next/headers";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";
import { Providers } from "./providers";
import { parseTheme, THEME_COOKIE, themeAttribute } from "@/components/ui/theme";

export const metadata: Metadata = {
  title: { default: "Loupe", template: "%s · Loupe" },
  description: "Check the training data of image-editing models.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page is rendered per request: its inline scripts carry the request's CSP nonce (proxy.ts),
  // which a page prerendered at build time could not.
  await connection();
  const theme = parseTheme((await cookies()).get(THEME_COOKIE)?.value);
  return (
    <html lang="en" data-theme={themeAttribute(theme)}>
      <body className="min-h-screen bg-neutral-50 font-sans text-neutral-900 antialiased">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
