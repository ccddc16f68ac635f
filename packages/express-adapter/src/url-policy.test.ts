import { describe, expect, it } from "vitest";
import { HttpError } from "./http-error.js";
import { checkBaseUrl, isPublicAddress } from "./url-policy.js";

const publicDns = { lookup: async () => ["93.184.216.34"] };

async function refusal(url: string, policy: Parameters<typeof checkBaseUrl>[1]): Promise<string> {
  try {
    await checkBaseUrl(url, policy);
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).code).toBe("URL_NOT_ALLOWED");
    return (error as HttpError).message;
  }
  throw new Error(`${url} was accepted`);
}

describe("checkBaseUrl", () => {
  it("accepts public https URLs and normalises them", async () => {
    expect(await checkBaseUrl("https://Acme.atlassian.net/", publicDns)).toBe("https://acme.atlassian.net");
    expect(await checkBaseUrl("https://wiki.example.com/confluence/", publicDns)).toBe(
      "https://wiki.example.com/confluence",
    );
  });

  it("with allowedOrigins, accepts exactly those origins: no other port on the same host", async () => {
    const policy = { allowHttp: true, allowPrivateNetworks: true, allowedOrigins: ["http://127.0.0.1:8090"] };
    expect(await checkBaseUrl("http://127.0.0.1:8090/", policy)).toBe("http://127.0.0.1:8090");
    expect(await refusal("http://127.0.0.1:5432", policy)).toContain("origin http://127.0.0.1:5432 is not allowed");
    expect(await refusal("https://127.0.0.1:8090", policy)).toContain("not allowed");
    expect(await refusal("http://localhost:8090", policy)).toContain("not allowed");
  });

  it("accepts a trusted on-premises origin over http on a private network, and nothing else like it", async () => {
    const policy = { trustedOrigins: ["http://10.0.0.5:8090"], lookup: async () => ["10.0.0.5"] };
    expect(await checkBaseUrl("http://10.0.0.5:8090/confluence", policy)).toBe("http://10.0.0.5:8090/confluence");
    expect(await refusal("http://10.0.0.5:8091", policy)).toContain("https");
    expect(await refusal("https://10.0.0.6", policy)).toContain("private");
  });

  it("refuses http unless allowed", async () => {
    expect(await refusal("http://wiki.example.com", publicDns)).toContain("https");
    expect(await checkBaseUrl("http://wiki.example.com", { ...publicDns, allowHttp: true })).toBe(
      "http://wiki.example.com",
    );
    expect(await refusal("ftp://wiki.example.com", { ...publicDns, allowHttp: true })).toContain("http or https");
  });

  it("refuses credentials, queries and fragments in the URL", async () => {
    expect(await refusal("https://user:pw@wiki.example.com", publicDns)).toContain("credentials");
    expect(await refusal("https://wiki.example.com/?a=1", publicDns)).toContain("query");
  });

  it("refuses loopback, private, link-local and metadata addresses, literal or resolved", async () => {
    for (const url of [
      "https://127.0.0.1",
      "https://10.1.2.3",
      "https://192.168.1.1",
      "https://172.16.0.1",
      "https://169.254.169.254",
      "https://100.64.0.1",
      "https://0.0.0.0",
      "https://[::1]",
      "https://[fd00::1]",
      "https://[::ffff:127.0.0.1]",
      // Numeric spellings of 127.0.0.1 that the URL parser normalises.
      "https://2130706433",
      "https://0x7f.1",
      "https://127.1",
    ]) {
      expect(await refusal(url, publicDns)).toContain("private or reserved");
    }
    const rebinding = { lookup: async () => ["93.184.216.34", "127.0.0.1"] };
    expect(await refusal("https://evil.example.com", rebinding)).toContain("evil.example.com");
  });

  it("allows private addresses when explicitly allowed, without resolving", async () => {
    const lookups: string[] = [];
    const policy = {
      allowHttp: true,
      allowPrivateNetworks: true,
      lookup: async (host: string) => {
        lookups.push(host);
        return ["127.0.0.1"];
      },
    };
    expect(await checkBaseUrl("http://127.0.0.1:8090", policy)).toBe("http://127.0.0.1:8090");
    expect(await checkBaseUrl("http://localhost:8090", policy)).toBe("http://localhost:8090");
    expect(lookups).toEqual([]);
  });

  it("refuses hosts that do not resolve", async () => {
    const failing = {
      lookup: async () => {
        throw new Error("ENOTFOUND");
      },
    };
    expect(await refusal("https://nowhere.invalid", failing)).toContain("could not be resolved");
    expect(await refusal("https://empty.example.com", { lookup: async () => [] })).toContain("could not be resolved");
  });

  it("enforces the host allowlist with exact names and subdomain wildcards", async () => {
    const policy = { ...publicDns, allowedHosts: ["wiki.acme.com", "*.atlassian.net"] };
    expect(await checkBaseUrl("https://wiki.acme.com", policy)).toBe("https://wiki.acme.com");
    expect(await checkBaseUrl("https://acme.atlassian.net", policy)).toBe("https://acme.atlassian.net");
    expect(await refusal("https://atlassian.net", policy)).toContain("allowed host list");
    expect(await refusal("https://evilatlassian.net", policy)).toContain("allowed host list");
    expect(await refusal("https://other.acme.com", policy)).toContain("allowed host list");
  });

  it("classifies addresses", () => {
    expect(isPublicAddress("8.8.8.8")).toBe(true);
    expect(isPublicAddress("2606:4700::1111")).toBe(true);
    expect(isPublicAddress("10.0.0.1")).toBe(false);
    expect(isPublicAddress("not-an-ip")).toBe(false);
  });
});
