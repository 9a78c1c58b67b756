import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";
import { bounded } from "@/lib/http/handler";

// next-auth guards its own POSTs with its CSRF token; the body cap is ours (decision 021).
const handler = bounded(NextAuth(authOptions) as (req: Request, ctx: unknown) => Promise<Response>);
export { handler as GET, handler as POST };
