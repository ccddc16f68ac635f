/** Two small synced spaces in the in-memory store, and an MCP client connected in process. */
import {
  ConfluenceSync,
  HashingEmbedder,
  InMemoryKnowledgeStore,
  type KnowledgeStore,
  type SourceRecord,
} from "@archon/confluence-core";
import { FakeConfluenceSource } from "@archon/confluence-core/testing";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type AccessCheck, type ConfluenceMcpOptions, createConfluenceMcpServer } from "../src/index.js";

const paragraph = (words: string) => `<p>${words}</p>`;

export const runbookBody = [
  "<h1>Overview</h1>",
  paragraph("The payments gateway rollback procedure restores the previous release."),
  "<h2>Steps</h2>",
  paragraph("First drain the rollback queue, then redeploy the previous gateway release."),
  "<table><tbody><tr><th>step</th><th>owner</th></tr><tr><td>drain the rollback queue</td><td>on-call</td></tr></tbody></table>",
  "<h2>Verification</h2>",
  paragraph("Check the rollback dashboard: error rates must drop within ten minutes."),
  ...Array.from(
    { length: 12 },
    (_, i) => `<h2>Appendix ${i + 1}</h2>${paragraph(`Appendix on rollback timing ${"lorem ".repeat(150)}`)}`,
  ),
].join("");

export interface Fixture {
  readonly store: KnowledgeStore;
  readonly embedder: HashingEmbedder;
  readonly ids: { readonly home: string; readonly runbook: string; readonly child: string; readonly ops: string };
}

function record(sourceId: string, spaceKey: string, baseUrl: string): SourceRecord {
  const now = new Date().toISOString();
  return {
    sourceId,
    name: `${spaceKey} space`,
    deployment: "cloud",
    baseUrl,
    spaceKey,
    deletionStrategy: "listing",
    removeArchived: true,
    createdAt: now,
    updatedAt: now,
  };
}

export async function createFixture(): Promise<Fixture> {
  const store = new InMemoryKnowledgeStore();
  const embedder = new HashingEmbedder();
  const source = new FakeConfluenceSource({ baseUrl: "https://acme.atlassian.net" });
  source.addSpace("ENG", "Engineering");
  source.addSpace("OPS", "Operations");
  const home = source.addPage("ENG", { title: "Engineering Home", body: paragraph("Welcome to engineering.") });
  const runbook = source.addPage("ENG", {
    title: "Gateway Rollback Runbook",
    parentId: home.id,
    body: runbookBody,
    labels: ["runbook", "payments"],
    authorId: "editor-1",
  });
  const child = source.addPage("ENG", {
    title: "Rollback FAQ",
    parentId: runbook.id,
    body: paragraph("Questions about the rollback of the gateway."),
  });
  source.addPage("ENG", { title: "Style Guide", body: paragraph("Headings use sentence case.") });
  const ops = source.addPage("OPS", {
    title: "Ops Rollback Checklist",
    body: paragraph("The ops rollback checklist for the database."),
  });
  for (const [sourceId, spaceKey] of [
    ["eng", "ENG"],
    ["ops", "OPS"],
  ] as const) {
    await store.upsertSource(record(sourceId, spaceKey, source.baseUrl));
    await new ConfluenceSync({ source, store, embedder }).run({ sourceId, mode: "full" });
  }
  return { store, embedder, ids: { home: home.id, runbook: runbook.id, child: child.id, ops: ops.id } };
}

export interface ToolOutcome {
  readonly isError: boolean;
  readonly text: string;
  readonly structured: Record<string, unknown>;
}

export async function connect(
  options: ConfluenceMcpOptions,
  can?: AccessCheck,
): Promise<{ client: Client; call: (name: string, args?: Record<string, unknown>) => Promise<ToolOutcome> }> {
  const server = createConfluenceMcpServer(options, can);
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "1.0.0" });
  await client.connect(clientSide);
  return {
    client,
    async call(name, args = {}) {
      const result = await client.callTool({ name, arguments: args });
      return {
        isError: result.isError === true,
        text: (result.content as { text?: string }[]).map((block) => block.text ?? "").join("\n"),
        structured: (result.structuredContent ?? {}) as Record<string, unknown>,
      };
    },
  };
}
