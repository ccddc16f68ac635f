import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { SourceRecord } from "../ports/knowledge-store.js";
import { SPACE_KEY_PATTERN, SPACE_KEY_RULE } from "../space-key.js";
import { contentOptionsSchema } from "./content-options.js";
import { parseOrThrow } from "./util.js";

/** What a caller gives to describe a space to sync; everything else has a default. */
export const sourceRecordInputSchema = z.object({
  /** Stable id: letters, digits, `_`, `-`, `.`, `:`. */
  sourceId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "letters, digits and _.:- only, 1 to 128 characters"),
  /** @default the space key */
  name: z.string().min(1).max(200).optional(),
  /** @default "cloud" for `*.atlassian.net`, otherwise required */
  deployment: z.enum(["cloud", "datacenter"]).optional(),
  baseUrl: z.url({ protocol: /^https?$/, error: "an http(s) URL such as https://acme.atlassian.net" }),
  spaceKey: z.string().regex(SPACE_KEY_PATTERN, SPACE_KEY_RULE),
  /** @default "listing" */
  deletionStrategy: z.enum(["listing", "full-only", "never"]).default("listing"),
  /** @default true */
  removeArchived: z.boolean().default(true),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Content indexed besides pages: `{ blogPosts?: boolean; comments?: boolean | { includeResolvedInline?: boolean } }`. */
  content: contentOptionsSchema.optional(),
  /** Sync space permissions and read restrictions for searches by principal. @default false */
  syncPermissions: z.boolean().optional(),
  /** Refuse searches of this source without a principal; implies `syncPermissions`. @default false */
  enforcePermissions: z.boolean().optional(),
});

export type SourceRecordInput = z.input<typeof sourceRecordInputSchema>;

/**
 * Builds a {@link SourceRecord} with defaults, validating every field (`CONFIG_INVALID` names the bad ones).
 *
 * @example
 * await store.upsertSource(createSourceRecord({ sourceId: "eng", baseUrl: "https://acme.atlassian.net", spaceKey: "ENG" }));
 */
export function createSourceRecord(input: SourceRecordInput, now: Date = new Date()): SourceRecord {
  const parsed = parseOrThrow(sourceRecordInputSchema, input, "source");
  const host = new URL(parsed.baseUrl).hostname;
  const deployment = parsed.deployment ?? (host.endsWith(".atlassian.net") ? "cloud" : undefined);
  if (!deployment) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      "Invalid source: deployment: required for a site outside atlassian.net",
    );
  }
  const stamp = now.toISOString();
  return {
    sourceId: parsed.sourceId,
    name: parsed.name ?? parsed.spaceKey,
    deployment,
    baseUrl: parsed.baseUrl.replace(/\/+$/, ""),
    spaceKey: parsed.spaceKey,
    deletionStrategy: parsed.deletionStrategy,
    removeArchived: parsed.removeArchived,
    createdAt: stamp,
    updatedAt: stamp,
    ...(parsed.metadata ? { metadata: parsed.metadata } : {}),
    ...(parsed.content ? { content: parsed.content } : {}),
    ...(parsed.syncPermissions || parsed.enforcePermissions ? { syncPermissions: true } : {}),
    ...(parsed.enforcePermissions ? { enforcePermissions: true } : {}),
  };
}
