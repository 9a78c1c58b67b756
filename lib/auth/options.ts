import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDatabase } from "../db";
import { getAuthSecret } from "./secret";
import { secureCookies } from "./cookies";
import { signIn, signInAddress } from "./signin";

const ZCredentials = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1024),
});

export const SESSION_MAX_AGE = 60 * 60 * 12;

export const authOptions: NextAuthOptions = {
  // A getter so the secret file is only touched when a request needs it, not at build time.
  get secret() {
    return getAuthSecret();
  },
  // The JWT carries only the user id and session version; the user's row is re-read on every request (session.ts).
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE },
  get useSecureCookies() {
    return secureCookies();
  },
  pages: { signIn: "/signin", error: "/signin" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, req) {
        const parsed = ZCredentials.safeParse(raw);
        if (!parsed.success) throw new Error("Enter a valid email address and a password.");
        const { email, password } = parsed.data;
        const fwd = (req?.headers as Record<string, unknown> | undefined)?.["x-forwarded-for"];
        // next-auth calls this for the sign-in request: it is that request's entry point.
        const db = await getDatabase();
        const user = await signIn(db, email, password, signInAddress(typeof fwd === "string" ? fwd : null));
        return { id: String(user.id), email: user.email, name: user.name, sv: user.sessionVersion };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      // The session version at sign-in: session.ts ends the session once the user's version moves on.
      if (user) {
        token.sub = user.id;
        token.sv = (user as { sv?: number }).sv ?? 0;
      }
      return token;
    },
    async session({ session, token }) {
      if (session.user) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
