import { lookup as dnsLookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { HttpError } from "./http-error.js";

/**
 * Server-side request forgery guard for the Confluence base URL of a new source: the server will send requests,
 * with credentials, to whatever URL a client registers.
 */
export interface UrlPolicy {
  /** Allow plain `http:` URLs. @default false */
  readonly allowHttp?: boolean;
  /**
   * Allow hosts that are or resolve to loopback, private, link-local, CGNAT, multicast or otherwise non-public
   * addresses. Only for local demos and tests. @default false
   */
  readonly allowPrivateNetworks?: boolean;
  /**
   * When set, only these hosts are accepted: exact names (`wiki.acme.com`) or `*.` wildcards (`*.atlassian.net`,
   * which matches subdomains only). Compared case-insensitively, without the port.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * When set, only these exact origins (scheme, host and port, e.g. `http://127.0.0.1:8090`) are accepted; any other
   * port on the same host is refused.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Origins accepted even over http or on a private network, e.g. an on-premises site the operator configured.
   * Other URLs still face every other rule.
   */
  readonly trustedOrigins?: readonly string[];
  /** Resolves a host name to addresses; replace it in tests. @default node's `dns.promises.lookup` with `all: true` */
  readonly lookup?: (hostname: string) => Promise<readonly string[]>;
}

const defaultLookup = async (hostname: string): Promise<string[]> =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

/** The policy's resolver, or node's. */
export function resolverOf(policy: UrlPolicy): (hostname: string) => Promise<readonly string[]> {
  return policy.lookup ?? defaultLookup;
}

function refuse(message: string): HttpError {
  return new HttpError(400, "URL_NOT_ALLOWED", message, { fields: [{ path: "body.baseUrl", message }] });
}

function sameOrigin(origin: string, url: URL): boolean {
  try {
    return new URL(origin).origin === url.origin;
  } catch {
    return false;
  }
}

/** `true` when the address is a public unicast address. IPv4-mapped IPv6 addresses are judged as IPv4. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === "unicast";
}

function hostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  return allowedHosts.some((entry) => {
    const pattern = entry.toLowerCase();
    if (pattern.startsWith("*.")) return hostname.endsWith(pattern.slice(1)) && hostname.length > pattern.length - 1;
    return hostname === pattern;
  });
}

/**
 * Checks a base URL against the policy and returns it normalised (no trailing slash, no query or fragment).
 * Throws a `400 URL_NOT_ALLOWED` naming the reason. Host names are resolved and every address is checked, so a
 * public name pointing at `127.0.0.1` is refused too.
 */
export async function checkBaseUrl(raw: string, policy: UrlPolicy = {}): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse("The base URL is not a valid URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("The base URL must use http or https.");
  if (policy.allowedOrigins && !policy.allowedOrigins.some((origin) => sameOrigin(origin, url))) {
    throw refuse(`The origin ${url.origin} is not allowed; only ${policy.allowedOrigins.join(", ")}.`);
  }
  const trusted = policy.trustedOrigins?.some((origin) => sameOrigin(origin, url)) ?? false;
  if (url.protocol !== "https:" && !(policy.allowHttp || trusted)) {
    throw refuse(
      policy.allowHttp ? "The base URL must use http or https." : "The base URL must use https (http is not allowed).",
    );
  }
  if (url.username || url.password) throw refuse("The base URL must not contain credentials.");
  if (url.search || url.hash) throw refuse("The base URL must not contain a query or fragment.");
  // URL keeps IPv6 literals in brackets.
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (policy.allowedHosts && !hostAllowed(hostname, policy.allowedHosts)) {
    throw refuse(`The host ${hostname} is not in the allowed host list.`);
  }
  if (!policy.allowPrivateNetworks && !trusted) {
    let addresses: readonly string[];
    if (ipaddr.isValid(hostname)) {
      addresses = [hostname];
    } else {
      try {
        addresses = await resolverOf(policy)(hostname);
      } catch {
        throw refuse(`The host ${hostname} could not be resolved.`);
      }
    }
    if (addresses.length === 0) throw refuse(`The host ${hostname} could not be resolved.`);
    const blocked = addresses.find((address) => !isPublicAddress(address));
    if (blocked !== undefined) {
      throw refuse(`The host ${hostname} resolves to a private or reserved address, which is not allowed.`);
    }
  }
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.protocol}//${url.host}${path}`;
}
