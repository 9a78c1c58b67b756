import "server-only";
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { getDatabase } from "../db";
import { recordAudit } from "../audit/record";
import { DUMMY_HASH, verifyPassword } from "./password";
import { clearFailures, lockedForSeconds, recordFailure } from "./throttle";
import { getAuthSecret } from "./secret";
import { secureCookies } from "./cookies";

const ZCredentials = z.object({
  email: z.string().trim().toLowerCase().email().max(320),
  password: z.string().min(1).max(1024),
});

/**
 * The address to throttle by: the right-most X-Forwarded-For entry, added by the hop closest to us (the
 * left-most are whatever the client claimed). Without a proxy a client can pick its own, so Loupe runs
 * behind one that sets it (docs/guide/deployment.md); the per-account limit does not depend on this.
 */
function clientIp(headers: Record<string, unknown> | undefined): string | null {
  const fwd = headers?.["x-forwarded-for"];
  const last = typeof fwd === "string" ? fwd.split(",").map((s) => s.trim()).filter(Boolean).at(-1) : undefined;
  return last ?? null;
}

export const SESSION_MAX_AGE = 60 * 60 * 12;

export const authOptions: NextAuthOptions = {
  // A getter so the secret file is only touched when a request needs it, not at build time.
  get secret() {
    return getAuthSecret();
  },
  // The JWT carries only the user id; role and disabled flag are re-read on every request (session.ts).
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
        const ip = clientIp(req?.headers as Record<string, unknown> | undefined);
        // next-auth calls this for the sign-in request: it is that request's entry point.
        const db = await getDatabase();
        const wait = await lockedForSeconds(db, email, ip);
        if (wait > 0) {
          throw new Error(`Too many failed sign-in attempts. Try again in ${Math.ceil(wait / 60)} minute(s).`);
        }
        const user = await db.prisma.user.findUnique({ where: { email } });
        const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
        if (!user || !ok) {
          await recordFailure(db, email, ip);
          throw new Error("Email or password is incorrect.");
        }
        if (user.disabled) throw new Error("This account is disabled. Ask an admin to enable it.");
        await clearFailures(db, email);
        await recordAudit(db, { actorId: user.id, action: "auth.signin", subjectType: "user", subjectId: String(user.id), data: { ip } });
        return { id: String(user.id), email: user.email, name: user.name };
      },
    }),
  ],
  callbacks: {
    async jwt({ token, user }) {
      if (user) token.sub = user.id;
      return token;
    },
    async session({ session, token }) {
      if (session.user) (session.user as { id?: string }).id = token.sub;
      return session;
    },
  },
};
