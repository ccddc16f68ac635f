/**
 * The demo a newcomer meets: every query the READMEs show finds the page a person expects at the top, through the
 * same pieces `npm start` uses (the fake's demo handbook, the sync engine, PGlite, the hashing embedder, hybrid
 * search), and "Open in Confluence" opens a readable page.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfluenceSync, createConfluenceSource, createSourceRecord, HashingEmbedder } from "@archon/confluence-core";
import { createPgliteStore, type PgKnowledgeStore } from "@archon/confluence-pg-store";
import { type FakeConfluence, HANDBOOK_QUERIES, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const READMES = [
  "README.md",
  "examples/express-server/README.md",
  "examples/react-app/README.md",
  "packages/core/README.md",
  "packages/pg-store/README.md",
];

/** Queries written in the READMEs: `"query":"..."`, `npm run search -- "..."`, `text: "..."`, `const query = "..."`. */
async function readmeQueries(): Promise<string[]> {
  const found = new Set<string>();
  for (const file of READMES) {
    const text = await readFile(join(root, file), "utf8");
    const patterns = [
      /"query":\s*"([^"]+)"/g,
      /search -- "([^"]+)"/g,
      /search\(\{ text: "([^"]+)"/g,
      /const query = "([^"]+)"/g,
      /archon-confluence search "([^"]+)"/g,
    ];
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.add(match[1] as string);
  }
  return [...found];
}

describe("the demo handbook", () => {
  let fake: FakeConfluence;
  let store: PgKnowledgeStore;
  const embedder = new HashingEmbedder();

  beforeAll(async () => {
    fake = await startFakeConfluence({ spaces: [{ preset: "demo" }], readablePages: true });
    store = await createPgliteStore();
    await store.upsertSource(
      createSourceRecord({ sourceId: "demo", baseUrl: fake.baseUrl, deployment: "cloud", spaceKey: "DEMO" }),
    );
    const source = createConfluenceSource({
      baseUrl: fake.baseUrl,
      deployment: "cloud",
      credentials: { type: "basic", email: fake.credentials.email, apiToken: fake.credentials.apiToken },
    });
    const metrics = await new ConfluenceSync({ source, store, embedder }).run({ sourceId: "demo", mode: "full" });
    expect(metrics.pagesFailed).toBe(0);
  }, 600_000);

  afterAll(async () => {
    await store?.close();
    await fake?.close();
  });

  it("knows the expected page of every query the READMEs show", async () => {
    const queries = await readmeQueries();
    expect(queries).toContain("rollback");
    const known = new Set(HANDBOOK_QUERIES.map((q) => q.query));
    expect(queries.filter((query) => !known.has(query))).toEqual([]);
  });

  it.each(HANDBOOK_QUERIES)("finds $expectedTitle first for '$query'", async ({ query, expectedTitle }) => {
    const [embedding] = (await embedder.embed([query])).embeddings;
    const hits = await store.search({
      text: query,
      mode: "hybrid",
      limit: 10,
      embedding,
      embeddingModel: embedder.modelId,
    });
    expect(hits[0]?.title, hits.map((hit) => `${hit.title} ${hit.score.toFixed(4)}`).join("\n")).toBe(expectedTitle);
  });

  it("is a handbook: runbooks, ADRs, how-tos, incident reviews and a glossary, with rich content and deep paths", () => {
    const pages = fake.groundTruth("DEMO");
    expect(pages).toHaveLength(300);
    for (const label of ["runbook", "adr", "how-to", "incident-review", "glossary"]) {
      expect(
        pages.some((page) => page.labels.includes(label)),
        label,
      ).toBe(true);
    }
    const bodies = pages.map((page) => page.body).join("\n");
    for (const construct of [
      'ac:name="code"',
      'ac:name="warning"',
      "<table>",
      "<ac:task-list>",
      "ri:account-id",
      'ac:name="jira"',
    ]) {
      expect(bodies).toContain(construct);
    }
    expect(Math.max(...pages.map((page) => page.path.length))).toBeGreaterThanOrEqual(7);
    expect(bodies).not.toMatch(/\b(lorem|ipsum)\b/i);
  });

  it("serves a readable page view, without credentials, at the URL stored for a page", async () => {
    const [hit] = await store.search({ text: "rollback", mode: "keyword", limit: 1 });
    expect(hit?.url).toMatch(/\/wiki\/spaces\/DEMO\/pages\/\d+\//);
    const response = await fetch(hit?.url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("<h1>Deploy rollback procedure</h1>");
    expect(html).toContain("deployctl rollback --service payments-api");
    expect(html).toContain('type="checkbox" disabled checked');
    expect(html).not.toContain("<ac:");
    // The API still needs credentials.
    expect((await fetch(`${fake.baseUrl}/wiki/rest/api/space/DEMO`)).status).toBe(401);
  });
});
