import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Deployment } from "./model.js";

/** Accepted credentials. The fake never logs or echoes them. */
export const authOptionsSchema = z
  .object({
    /** Basic credentials: on Cloud the user is an email and the password an API token. */
    basic: z.array(z.object({ user: z.string().min(1), password: z.string().min(1) }).strict()).optional(),
    /** Bearer tokens: OAuth access tokens on Cloud, personal access tokens on Data Center. */
    bearer: z.array(z.string().min(1)).optional(),
    /** Accept requests without any credentials. @default false */
    anonymous: z.boolean().default(false),
  })
  .strict();

export type AuthOptionsInput = z.input<typeof authOptionsSchema>;

/** The credentials a started fake accepts, for tests and the CLI to hand to a client. */
export interface FakeCredentials {
  /** Basic auth user: an email on Cloud, a username on Data Center. */
  readonly email: string;
  /** Basic auth password: the API token on Cloud, the password on Data Center. */
  readonly apiToken: string;
  /** Bearer token: OAuth access token on Cloud, personal access token on Data Center. */
  readonly bearerToken: string;
}

/** Default credentials per deployment; fake values, safe to print. */
export function defaultCredentials(deployment: Deployment): FakeCredentials {
  return deployment === "cloud"
    ? { email: "fake-user@example.com", apiToken: "fake-api-token", bearerToken: "fake-oauth-access-token" }
    : { email: "admin", apiToken: "admin-password", bearerToken: "fake-personal-access-token" };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Checks an `Authorization` header against the accepted credentials. */
export class AuthChecker {
  readonly #basic: ReadonlyArray<{ user: string; password: string }>;
  readonly #bearer: readonly string[];
  readonly #anonymous: boolean;

  constructor(options: z.output<typeof authOptionsSchema>) {
    this.#basic = options.basic ?? [];
    this.#bearer = options.bearer ?? [];
    this.#anonymous = options.anonymous;
  }

  accepts(header: string | undefined): boolean {
    if (header === undefined || header === "") return this.#anonymous;
    const space = header.indexOf(" ");
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === "bearer") return this.#bearer.some((token) => same(token, value));
    if (scheme !== "basic") return false;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    return this.#basic.some((c) => same(c.user, user) && same(c.password, password));
  }
}
