import type { LookupAddress } from "node:dns";
import { isIP } from "node:net";
import type { ConfluenceFetch } from "@archon/confluence-core";
import ipaddr from "ipaddr.js";
import { Agent, fetch as undiciFetch } from "undici";
import { isPublicAddress, resolverOf, type UrlPolicy } from "./url-policy.js";

/** The `code` of the error a refused address fails with; the Confluence transport treats it as permanent. */
export const ADDRESS_NOT_ALLOWED = "ERR_ADDRESS_NOT_ALLOWED";

/** A {@link ConfluenceFetch} holding connections open; `close()` ends them. */
export interface PolicyFetch extends ConfluenceFetch {
  /** Closes the connections this fetch keeps alive. */
  close(): Promise<void>;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function refused(message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code: ADDRESS_NOT_ALLOWED });
}

function sameOrigin(origin: string, url: URL): boolean {
  try {
    return new URL(origin).origin === url.origin;
  } catch {
    return false;
  }
}

/**
 * The `lookup` a connection uses: the host is resolved once, through the policy's resolver, every address is
 * checked, and the socket connects to the checked addresses only. DNS cannot answer differently between the check and
 * the connect, because there is no second question.
 */
function pinningLookup(resolve: (hostname: string) => Promise<readonly string[]>, check: boolean) {
  const answer = async (hostname: string, wanted: number): Promise<LookupAddress[]> => {
    const addresses = await resolve(hostname);
    if (check) {
      const blocked = addresses.find((address) => !isPublicAddress(address));
      if (blocked !== undefined) {
        throw refused(`The host ${hostname} resolves to a private or reserved address, which is not allowed.`);
      }
    }
    const entries = addresses
      .filter((address) => ipaddr.isValid(address))
      .map((address) => ({ address, family: isIP(address) }))
      .filter((entry) => wanted === 0 || entry.family === wanted);
    if (entries.length === 0) {
      throw Object.assign(new Error(`The host ${hostname} could not be resolved.`), { code: "ENOTFOUND" });
    }
    return entries;
  };
  return (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback) => {
    const wanted = options.family === "IPv6" || options.family === 6 ? 6 : options.family === 4 ? 4 : 0;
    answer(hostname, wanted).then(
      (entries) => {
        const first = entries[0] as LookupAddress;
        if (options.all) callback(null, entries);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => {
        const cause = error instanceof Error ? error : new Error(String(error));
        callback(Object.assign(cause, { code: (cause as NodeJS.ErrnoException).code ?? "ENOTFOUND" }), "", 0);
      },
    );
  };
}

/**
 * A `fetch` for the Confluence sources of user-given URLs that connects only where the URL policy allows: each new
 * connection resolves its host once through the policy's resolver, refuses the connection unless every address is a
 * public one (loopback, private, link-local, CGNAT, reserved and IPv4-mapped forms of them are refused), and
 * connects to exactly the checked address. TLS still verifies the certificate for the host name (SNI is unchanged).
 * Trusted origins and `allowPrivateNetworks` skip the address check but still connect to the resolved address.
 * A refusal rejects with an error whose `code` is `ERR_ADDRESS_NOT_ALLOWED`.
 */
export function createPolicyFetch(policy: UrlPolicy = {}): PolicyFetch {
  const resolve = resolverOf(policy);
  const checking = !policy.allowPrivateNetworks;
  const checked = new Agent({ connect: { lookup: pinningLookup(resolve, checking) } });
  const unchecked = new Agent({ connect: { lookup: pinningLookup(resolve, false) } });
  const send = async (url: string, init: Parameters<ConfluenceFetch>[1]) => {
    const target = new URL(url);
    const trusted = policy.trustedOrigins?.some((origin) => sameOrigin(origin, target)) ?? false;
    const check = checking && !trusted;
    // An address literal never reaches a lookup: it is checked here.
    const literal = target.hostname.replace(/^\[(.*)\]$/, "$1");
    if (check && ipaddr.isValid(literal) && !isPublicAddress(literal)) {
      throw refused(`The address ${literal} is private or reserved, which is not allowed.`);
    }
    return undiciFetch(url, { ...init, headers: { ...init.headers }, dispatcher: check ? checked : unchecked });
  };
  return Object.assign(send, {
    async close() {
      await Promise.all([checked.close(), unchecked.close()]);
    },
  });
}
