import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthorizeHook } from "@archon/confluence-express";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Allows requests carrying `Authorization: Bearer <token>`; compares in constant time. */
export function bearerTokenAuthorizer(token: string): AuthorizeHook {
  const expected = digest(`Bearer ${token}`);
  return (req) => timingSafeEqual(digest(req.get("authorization") ?? ""), expected);
}
