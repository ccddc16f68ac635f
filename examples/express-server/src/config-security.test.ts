import { describe, expect, it } from "vitest";
import { apiHosts, ConfigError, loadConfig } from "./config.js";

describe("start-up security checks", () => {
  it("refuses to listen beyond loopback without API_TOKEN unless explicitly allowed", () => {
    let refused: unknown;
    try {
      loadConfig({ HOST: "0.0.0.0" });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ConfigError);
    expect(String((refused as ConfigError).message)).toMatch(/HOST: 0\.0\.0\.0 listens beyond this machine/);
    expect(loadConfig({ HOST: "0.0.0.0", API_TOKEN: "a-long-enough-token" }).HOST).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "0.0.0.0", ALLOW_UNAUTHENTICATED_REMOTE: "1" }).HOST).toBe("0.0.0.0");
    expect(loadConfig({ HOST: "127.0.0.1" }).HOST).toBe("127.0.0.1");
    expect(loadConfig({ HOST: "::1" }).HOST).toBe("::1");
  });

  it("answers only to loopback names, HOST and ALLOWED_HOSTS", () => {
    expect(apiHosts({ HOST: "127.0.0.1", ALLOWED_HOSTS: undefined })).toEqual(["127.0.0.1", "localhost", "::1"]);
    expect(apiHosts({ HOST: "10.0.0.5", ALLOWED_HOSTS: "wiki-sync.internal, other" })).toEqual([
      "127.0.0.1",
      "localhost",
      "::1",
      "10.0.0.5",
      "wiki-sync.internal",
      "other",
    ]);
    expect(apiHosts({ HOST: "0.0.0.0", ALLOWED_HOSTS: undefined })).toBeUndefined();
  });
});
