// Mentions resolved through the source: display names in the Markdown, each user looked up once per sync.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterEach, describe, expect, it } from "vitest";
import { HashingEmbedder } from "../embed/hashing-embedder.js";
import { InMemoryKnowledgeStore } from "../store/in-memory-store.js";
import { ConfluenceSync } from "../sync/engine.js";
import { createSourceRecord } from "../sync/source-record.js";
import { mentionedUserIds } from "../sync/user-names.js";
import { ConfluenceJsSource } from "./confluence-js-source.js";

let fake: FakeConfluence | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe.each(["cloud", "datacenter"] as const)("mentions on %s", (deployment) => {
  it("render as display names looked up through the source, each user once per sync; unknown users keep their id", async () => {
    fake = await startFakeConfluence({ deployment, spaces: [{ key: "MEN", pages: 40, seed: 13 }] });
    const space = fake.space("MEN");
    const users = fake.state.users();
    const known = users[1] ?? users[0];
    const idOf = (user: typeof known) => (deployment === "cloud" ? user?.accountId : user?.userKey) ?? "";
    const attr = deployment === "cloud" ? "ri:account-id" : "ri:userkey";
    const page = space.addPage({
      title: "Owners",
      body: `<p>Owner: <ac:link><ri:user ${attr}="${idOf(known)}" /></ac:link>, ex-owner: <ac:link><ri:user ${attr}="gone-user-1" /></ac:link></p>`,
    });
    const store = new InMemoryKnowledgeStore();
    await store.upsertSource(
      createSourceRecord({ sourceId: "men", baseUrl: fake.baseUrl, deployment, spaceKey: "MEN" }),
    );
    const credentials =
      deployment === "cloud"
        ? { type: "basic" as const, email: fake.credentials.email, apiToken: fake.credentials.apiToken }
        : { type: "bearer" as const, token: fake.credentials.bearerToken };
    const source = new ConfluenceJsSource({ baseUrl: fake.baseUrl, deployment, credentials, timeZone: "UTC" });
    await new ConfluenceSync({ source, store, embedder: new HashingEmbedder({ dimensions: 16 }) }).run({
      sourceId: "men",
      mode: "full",
    });
    const stored = await store.getPage("men", page.id);
    expect(stored?.markdown).toContain(`Owner: @${known?.displayName}`);
    expect(stored?.markdown).toContain("ex-owner: @gone-user-1");
    expect(stored?.markdown).not.toContain(`@${idOf(known)}`);

    const mentioned = new Set(fake.groundTruth("MEN").flatMap((p) => mentionedUserIds(p.body)));
    const lookups = fake
      .requestLog()
      .filter((entry) => entry.url.includes("/rest/api/user?") || entry.url.includes("/user/bulk"));
    const asked = lookups.flatMap((entry) => {
      const query = new URL(entry.url, "http://x").searchParams;
      return (query.get("accountId") ?? query.get("key") ?? query.get("username") ?? "").split(",");
    });
    // every mentioned user asked for by key (and an unknown one also by user name), none twice the same way
    expect(new Set(asked.filter((id) => mentioned.has(id)))).toEqual(mentioned);
    const keyLookups = lookups.filter((entry) => !entry.url.includes("username="));
    const perId = keyLookups.flatMap((entry) =>
      (new URL(entry.url, "http://x").searchParams.get(deployment === "cloud" ? "accountId" : "key") ?? "").split(","),
    );
    expect(perId.length).toBe(new Set(perId).size);
    if (deployment === "cloud") expect(lookups.length).toBeLessThan(mentioned.size);
  });
});
