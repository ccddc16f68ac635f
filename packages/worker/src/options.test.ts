import { HashingEmbedder, InMemoryCredentialStore, InMemoryKnowledgeStore } from "@archon/confluence-core";
import { describe, expect, it } from "vitest";
import { parseOptions, syncWorkerOptionsSchema } from "./options.js";
import { intervalToCron } from "./schedule.js";
import { startSyncWorker } from "./worker.js";

const collaborators = {
  store: new InMemoryKnowledgeStore(),
  credentials: new InMemoryCredentialStore(),
  embedder: new HashingEmbedder(),
};

describe("sync worker options", () => {
  it("fills the documented defaults", () => {
    const options = parseOptions(
      syncWorkerOptionsSchema,
      { connectionString: "postgres://localhost/app", ...collaborators },
      "options",
    );
    expect(options).toMatchObject({
      schema: "archon_worker",
      queueName: "archon-confluence-sync",
      concurrency: 2,
      leaseSeconds: 60,
      retry: { limit: 5, delaySeconds: 30, maxDelaySeconds: 3600 },
      rateLimit: { requestsPerSecond: 10, burst: 20 },
      failFastCodes: ["SOURCE_AUTH", "SOURCE_NOT_FOUND", "CONFIG_INVALID", "EMBED_DIMENSION_MISMATCH"],
    });
  });

  it("rejects bad options with CONFIG_INVALID naming each field, before connecting, without echoing values", async () => {
    const error = await startSyncWorker({
      connectionString: "mysql://root:hunter2@db/app",
      schema: "Bad-Schema",
      concurrency: 0,
      leaseSeconds: 5,
      store: {} as never,
      credentials: collaborators.credentials,
      embedder: collaborators.embedder,
    }).then(
      () => ({ code: "none", message: "" }),
      (e: unknown) => e as Error & { code: string },
    );
    expect(error.code).toBe("CONFIG_INVALID");
    for (const field of ["connectionString", "schema", "concurrency", "leaseSeconds", "store"]) {
      expect(error.message).toContain(field);
    }
    expect(error.message).not.toContain("hunter2");
  });

  it("turns intervals into cron expressions where one fits, and into a recurrence rule otherwise", () => {
    expect(intervalToCron(1)).toBe("* * * * *");
    expect(intervalToCron(15)).toBe("*/15 * * * *");
    expect(intervalToCron(60)).toBe("0 * * * *");
    expect(intervalToCron(360)).toBe("0 */6 * * *");
    expect(intervalToCron(1440)).toBe("0 0 * * *");
    expect(intervalToCron(45)).toBe("FREQ=MINUTELY;INTERVAL=45");
    expect(intervalToCron(2880)).toBe("FREQ=MINUTELY;INTERVAL=2880");
  });
});
