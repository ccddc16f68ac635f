import { HashingEmbedder, InMemoryCredentialStore, InMemoryKnowledgeStore } from "@archon/confluence-core";
import { createConfluenceRouter } from "@archon/confluence-express";
import express from "express";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { bearerTokenAuthorizer } from "./token-auth.js";

describe("bearerTokenAuthorizer", () => {
  it("lets through only requests with the exact bearer token", async () => {
    const router = createConfluenceRouter({
      store: new InMemoryKnowledgeStore(),
      credentials: new InMemoryCredentialStore(),
      embedder: new HashingEmbedder(),
      authorize: bearerTokenAuthorizer("a-long-enough-token"),
    });
    const app = express().use("/api", router);
    await request(app).get("/api/sources").set("authorization", "Bearer a-long-enough-token").expect(200);
    for (const header of ["Bearer a-long-enough-toke", "Bearer a-long-enough-token2", "a-long-enough-token"]) {
      const response = await request(app).get("/api/sources").set("authorization", header).expect(401);
      expect(response.body.error.code).toBe("UNAUTHORIZED");
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="archon-confluence", error="invalid_token"');
    }
    const missing = await request(app).get("/api/sources").expect(401);
    expect(missing.headers["www-authenticate"]).toBe('Bearer realm="archon-confluence"');
  });
});
