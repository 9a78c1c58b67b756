import bcrypt from "bcryptjs";

// bcryptjs: pure JS, so no native build step on machines where npm skips install scripts.
// Tests (Vitest sets NODE_ENV=test) hash at the lowest cost: they check what is hashed, not how slowly.
const COST = process.env.NODE_ENV === "test" ? 4 : 11;

export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, COST);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

// Compared against when the account does not exist, so timing does not reveal which emails exist.
export const DUMMY_HASH = "$2b$11$C6UzMDM.H6dfI/f/IKxGhuS0nWxQnKfQm0CUXYkKx5ZS2Vh6RZ3Ga";
