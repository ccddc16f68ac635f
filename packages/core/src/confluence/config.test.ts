import { describe, expect, it } from "vitest";
import { ConfluenceSyncError } from "../errors.js";
import { type ConfluenceSourceConfig, resolveSourceConfig } from "./config.js";

const TOKEN = "very-secret-token-123";
const basic = { type: "basic", email: "me@example.com", apiToken: TOKEN } as const;

function configError(input: unknown): ConfluenceSyncError {
  try {
    resolveSourceConfig(input as ConfluenceSourceConfig);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfluenceSyncError);
    expect((error as ConfluenceSyncError).code).toBe("CONFIG_INVALID");
    expect((error as Error).message).not.toContain(TOKEN);
    return error as ConfluenceSyncError;
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("resolveSourceConfig", () => {
  it("defaults to Cloud for atlassian.net, strips /wiki and trailing slashes, fills defaults", () => {
    const config = resolveSourceConfig({ baseUrl: "https://acme.atlassian.net/wiki/", credentials: basic });
    expect(config).toMatchObject({
      baseUrl: "https://acme.atlassian.net",
      deployment: "cloud",
      maxAttempts: 5,
      maxRetryAfterMs: 60_000,
      baseDelayMs: 1000,
      timeoutMs: 60_000,
      pageSize: 250,
      cqlOverlapMinutes: 5,
    });
  });

  it("keeps a Data Center context path", () => {
    const config = resolveSourceConfig({
      baseUrl: "https://wiki.example.com/confluence/",
      deployment: "datacenter",
      credentials: { type: "bearer", token: TOKEN },
    });
    expect(config.baseUrl).toBe("https://wiki.example.com/confluence");
  });

  it("requires the deployment for a host that is not atlassian.net", () => {
    expect(configError({ baseUrl: "https://wiki.example.com", credentials: basic }).message).toMatch(
      /deployment is required/,
    );
  });

  it("rejects base URLs that are not plain http(s) URLs", () => {
    expect(configError({ credentials: basic }).message).toMatch(/baseUrl/);
    expect(configError({ baseUrl: "acme.atlassian.net", credentials: basic }).message).toMatch(
      /baseUrl must be an absolute/,
    );
    expect(configError({ baseUrl: "ftp://acme.atlassian.net", credentials: basic }).message).toMatch(
      /baseUrl must use http/,
    );
    expect(configError({ baseUrl: `https://me:${TOKEN}@acme.atlassian.net`, credentials: basic }).message).toMatch(
      /baseUrl must not embed credentials/,
    );
    expect(configError({ baseUrl: "https://acme.atlassian.net?x=1", credentials: basic }).message).toMatch(/query/);
  });

  it("names the wrong credential field", () => {
    expect(
      configError({ baseUrl: "https://a.atlassian.net", credentials: { type: "basic", email: "", apiToken: TOKEN } })
        .message,
    ).toMatch(/credentials\.email/);
    expect(configError({ baseUrl: "https://a.atlassian.net", credentials: { type: "bearer" } }).message).toMatch(
      /credentials\.token/,
    );
    expect(
      configError({ baseUrl: "https://a.atlassian.net", credentials: { type: "oauth", token: TOKEN } }).message,
    ).toMatch(/credentials\.type/);
  });

  it("names every wrong tuning field", () => {
    const message = configError({
      baseUrl: "https://a.atlassian.net",
      credentials: basic,
      maxAttempts: 0,
      pageSize: 1.5,
      timeZone: "Mars/Olympus",
      logger: { info() {} },
    }).message;
    expect(message).toMatch(/maxAttempts must be at least 1/);
    expect(message).toMatch(/pageSize must be an integer/);
    expect(message).toMatch(/timeZone must be an IANA time zone/);
    expect(message).toMatch(/logger must have/);
  });
});

describe("API base and web base", () => {
  const credentials = { type: "bearer" as const, token: "oauth-access-token" };

  it("keeps /wiki in the web base of a Cloud site, whichever way baseUrl was written", () => {
    for (const baseUrl of ["https://acme.atlassian.net", "https://acme.atlassian.net/wiki/"]) {
      expect(resolveSourceConfig({ baseUrl, credentials })).toMatchObject({
        baseUrl: "https://acme.atlassian.net",
        webBaseUrl: "https://acme.atlassian.net/wiki",
      });
    }
  });

  it("points links at the site, not at the OAuth gateway, and asks for the site when it is missing", () => {
    const baseUrl = "https://api.atlassian.com/ex/confluence/0a1b2c3d-cloud-id";
    expect(resolveSourceConfig({ baseUrl, siteUrl: "https://acme.atlassian.net", credentials })).toMatchObject({
      deployment: "cloud",
      baseUrl,
      webBaseUrl: "https://acme.atlassian.net/wiki",
    });
    expect(() => resolveSourceConfig({ baseUrl, credentials })).toThrow(/siteUrl is required/);
  });

  it("uses the context path as the web base on Data Center", () => {
    const config = resolveSourceConfig({
      baseUrl: "https://wiki.example.com/confluence/",
      deployment: "datacenter",
      credentials,
    });
    expect(config.webBaseUrl).toBe("https://wiki.example.com/confluence");
  });
});
