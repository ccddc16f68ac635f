// `npm run worker`: registers Confluence sources, schedules them (incremental every few minutes, full nightly),
// asks for a first sync, and runs a sync worker until SIGINT/SIGTERM. Start it on several machines against the same
// DATABASE_URL to share the work. Without CONFLUENCE_* variables it syncs a fake Confluence started in-process.
import { createSourceRecord, HashingEmbedder } from "@archon/confluence-core";
import { createPgStore, fromPgPool, PgCredentialStore, PgProgressSink } from "@archon/confluence-pg-store";
import { startSyncWorker } from "@archon/confluence-worker";
import { startFakeConfluence } from "@archon/fake-confluence";
import pg from "pg";
import { readConfig } from "./config.js";

async function main(): Promise<number> {
  const config = readConfig(process.env, process.argv.slice(2));
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 6 });
  const store = await createPgStore({ pool });
  const db = fromPgPool(pool);
  const credentials = new PgCredentialStore(db, [{ id: "example", key: Buffer.from(config.secretKey, "base64") }]);

  const fake = config.site
    ? null
    : await startFakeConfluence({ spaces: [{ key: "ENG", pages: 60 }, { key: "OPS", pages: 40 }, { preset: "demo" }] });
  const site = config.site ?? {
    baseUrl: fake?.baseUrl as string,
    ...(fake?.credentials as { email: string; apiToken: string }),
    spaces: ["ENG", "OPS", "DEMO"],
  };

  const worker = await startSyncWorker({
    connectionString: config.databaseUrl,
    schema: config.schema,
    store,
    credentials,
    embedder: new HashingEmbedder({ dimensions: 384 }),
    sinks: [new PgProgressSink(db)],
    concurrency: config.concurrency,
    rateLimit: { requestsPerSecond: config.rateLimit, burst: 20 },
  });
  const { queue } = worker;
  const sourceIds: string[] = [];
  for (const spaceKey of site.spaces) {
    const sourceId = `${fake ? "demo" : "confluence"}-${spaceKey.toLowerCase()}`;
    sourceIds.push(sourceId);
    if (!(await store.getSource(sourceId))) {
      const deployment = fake ? "cloud" : undefined;
      await store.upsertSource(createSourceRecord({ sourceId, baseUrl: site.baseUrl, spaceKey, deployment }));
    }
    await credentials.put(sourceId, { type: "basic", email: site.email, apiToken: site.apiToken });
    await queue.scheduleSource({ sourceId, mode: "incremental", everyMinutes: config.everyMinutes });
    await queue.scheduleSource({ sourceId, mode: "full", cron: config.fullSyncCron });
    const { operationId, enqueued } = await queue.enqueueSync(sourceId);
    console.log(
      `${sourceId}: ${enqueued ? "sync queued" : "sync already queued or running"} (operation ${operationId})`,
    );
  }

  worker.on("job-end", (e) => {
    const detail = e.metrics
      ? `${e.metrics.pagesIndexed} indexed, ${e.metrics.pagesSkipped} unchanged, ${e.metrics.pagesDeleted} deleted`
      : (e.error?.message ?? "");
    console.log(
      `${e.sourceId}: ${e.metrics?.mode ?? e.mode} sync ${e.outcome} on ${e.workerId} (attempt ${e.attempt}) ${detail}`,
    );
  });

  const stopped = new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  console.log(`worker ${worker.workerId} running, ${config.concurrency} syncs at a time; Ctrl-C stops it gracefully`);
  let exitCode = 0;
  if (config.once) {
    const settled = new Set(["succeeded", "failed", "cancelled"]);
    for (;;) {
      const statuses = await queue.listSourceStatuses(sourceIds);
      if (statuses.every((s) => settled.has(s.state))) {
        exitCode = statuses.some((s) => s.state !== "succeeded") ? 1 : 0;
        break;
      }
      const stop = await Promise.race([stopped.then(() => true), new Promise((r) => setTimeout(r, 500, false))]);
      if (stop) break;
    }
  } else {
    await stopped;
  }
  console.log("stopping: the running syncs checkpoint and go back to the queue");
  await worker.stop();
  await store.close();
  await pool.end().catch(() => {});
  await fake?.close();
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
