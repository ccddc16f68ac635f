import { createHash, timingSafeEqual } from "node:crypto";
import { type AuthorizeHook, HttpError } from "@archon/confluence-express";

const digest = (text: string) => createHash("sha256").update(text).digest();

/**
 * Allows requests carrying `Authorization: Bearer <token>`; compares in constant time. A missing or wrong token gets
 * `401 UNAUTHORIZED` with `WWW-Authenticate: Bearer`, as RFC 6750 asks.
 */
export function bearerTokenAuthorizer(token: string): AuthorizeHook {
  const expected = digest(`Bearer ${token}`);
  return (req) => {
    if (timingSafeEqual(digest(req.get("authorization") ?? ""), expected)) return true;
    const invalid = req.get("authorization") ? ', error="invalid_token"' : "";
    req.res?.setHeader("WWW-Authenticate", `Bearer realm="archon-confluence"${invalid}`);
    throw new HttpError(401, "UNAUTHORIZED", "Send Authorization: Bearer <API_TOKEN>.");
  };
}
