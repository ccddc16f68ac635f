/**
 * `archon-confluence search "query" [--limit N] [--mode hybrid|vector|keyword] [--space KEY] [--json]`: ranked results
 * with title, breadcrumb, URL and snippet from what was synced.
 *
 * Exit codes: 0 results found, 1 no results, 2 bad arguments or configuration, 4 the search failed.
 */
import { parseArgs } from "node:util";
import { isConfluenceSyncError, type SearchMode } from "@archon/confluence-core";
import { ConfigError, loadConfig, startupFailure } from "./config.js";
import { formatHits } from "./format.js";
import { SEARCH_HELP, SEARCH_USAGE } from "./help.js";
import { createConsoleLogger } from "./logger.js";
import { startSearchRuntime } from "./runtime.js";

const usage = SEARCH_USAGE;

const modes: readonly SearchMode[] = ["hybrid", "vector", "keyword"];

export async function runSearchCommand(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${SEARCH_HELP}\n`);
    return 0;
  }
  const query = positionals.join(" ").trim();
  const limit = Number(values.limit ?? "10");
  const mode = (values.mode ?? "hybrid") as SearchMode;
  const problems = [
    query ? null : "a query is required",
    Number.isInteger(limit) && limit >= 1 && limit <= 100 ? null : "--limit must be an integer from 1 to 100",
    modes.includes(mode) ? null : `--mode must be one of ${modes.join(", ")}`,
  ].filter((problem): problem is string => problem !== null);
  if (problems.length > 0) {
    process.stderr.write(`${problems.join("\n")}\n${usage}\n`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let runtime: Awaited<ReturnType<typeof startSearchRuntime>>;
  try {
    runtime = await startSearchRuntime(config, createConsoleLogger("error"));
  } catch (error) {
    process.stderr.write(`${startupFailure(error)}\n`);
    return error instanceof ConfigError ? 2 : 4;
  }
  try {
    const embedding = mode === "keyword" ? undefined : (await runtime.embedder.embed([query])).embeddings[0];
    const hits = await runtime.store.search({
      text: query,
      mode,
      limit,
      ...(embedding ? { embedding, embeddingModel: runtime.embedder.modelId } : {}),
      ...(values.space ? { filters: { spaceKeys: [values.space] } } : {}),
    });
    if (values.json) process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`);
    else if (hits.length === 0)
      process.stdout.write(`No results for "${query}". Did you run archon-confluence sync first?\n`);
    else process.stdout.write(`${formatHits(hits, query)}\n`);
    return hits.length > 0 ? 0 : 1;
  } catch (error) {
    const code = isConfluenceSyncError(error) ? ` (${error.code})` : "";
    process.stderr.write(`Search failed${code}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 4;
  } finally {
    await runtime.close();
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      limit: { type: "string", short: "n" },
      mode: { type: "string", short: "m" },
      space: { type: "string", short: "s" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}
