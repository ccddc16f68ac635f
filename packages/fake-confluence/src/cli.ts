#!/usr/bin/env node
import { parseCliArgs, USAGE } from "./cli-args.js";
import { startFakeConfluence } from "./fake-confluence.js";

async function main(): Promise<void> {
  const options = parseCliArgs(process.argv.slice(2));
  if (options === "help") {
    console.log(USAGE);
    return;
  }
  const started = performance.now();
  const fake = await startFakeConfluence(options);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { email, apiToken, bearerToken } = fake.credentials;
  // These are the fake's own, made-up credentials; printing them is the point of the command.
  console.log(`fake-confluence (${fake.deployment}) listening on ${fake.baseUrl}  [ready in ${seconds}s]`);
  console.log(`  basic auth:   ${email} / ${apiToken}`);
  console.log(`  bearer token: ${bearerToken}`);
  for (const space of fake.spaces()) {
    const pages = fake.state.pagesOf(space.key).length;
    console.log(`  space ${space.key} (id ${space.id}): ${pages} pages, "${space.name}"`);
  }
  const stop = () => {
    const stats = fake.stats();
    console.log(`\nserved ${stats.requests} requests; stopping.`);
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
