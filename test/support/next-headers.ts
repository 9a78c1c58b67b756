// A stand-in for next/headers in database tests: one session cookie, set by test/support/http.ts per call.
export const jar: { value: string | null; headers: Headers } = { value: null, headers: new Headers() };

export async function cookies() {
  return {
    get: (name: string) => (jar.value && name === "next-auth.session-token" ? { name, value: jar.value } : undefined),
  };
}

export async function headers() {
  return jar.headers;
}
