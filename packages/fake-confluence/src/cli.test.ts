import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("fake-confluence command", () => {
  it("prints its base URL and credentials, serves requests and stops on SIGINT", async () => {
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--pages", "30", "--port", "0", "--seed", "5"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      out += chunk;
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: string) => {
          out += chunk;
          if (/space ENG .*\n/.test(out)) resolve();
        });
        child.once("close", () => reject(new Error(`exited early:\n${out}`)));
      });
      const baseUrl = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const [, email, token] = /basic auth:\s+(\S+) \/ (\S+)/.exec(out) ?? [];
      expect(baseUrl).toBeDefined();
      expect(out).toMatch(/space ENG \(id \d+\): 30 pages/);
      const auth = `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}`;
      const res = await fetch(`${baseUrl}/wiki/api/v2/spaces`, { headers: { authorization: auth } });
      expect(res.status).toBe(200);
      const exited = once(child, "close");
      child.kill("SIGINT");
      const [code] = await exited;
      expect(code).toBe(0);
      expect(out).toContain("served 1 requests");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("exits with 1 and names the problem for a bad flag", async () => {
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--deployment", "mainframe"], { stdio: "pipe" });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      err += chunk;
    });
    const [code] = await once(child, "close");
    expect(code).toBe(1);
    expect(err).toContain('--deployment must be cloud or datacenter, got "mainframe"');
  });
});
