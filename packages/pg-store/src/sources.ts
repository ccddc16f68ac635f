import { ConfluenceSyncError, type SourceRecord, stripNulDeep } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { isoParam } from "./rows.js";

/** Columns of `confluence_sources`, in insert order. */
export const SOURCE_COLUMNS =
  "source_id, name, deployment, base_url, space_key, deletion_strategy, remove_archived, metadata, created_at, updated_at, " +
  "content, sync_permissions, enforce_permissions";

/**
 * Creates or replaces a Confluence source: its `confluence_sources` row and its `archon_sources` row. On an existing
 * row only the URL, display name and the metadata keys this SDK owns (`source_type`, `original_url`, `confluence`)
 * change: title, knowledge type, tags and description, which Archon's UI edits, are set only at creation. Refuses a source id that an
 * Archon source of another kind already uses.
 */
export async function upsertSource(db: Db, input: SourceRecord): Promise<void> {
  const source = stripNulDeep(input);
  const createdAt = isoParam(source.createdAt, "source.createdAt");
  const updatedAt = isoParam(source.updatedAt, "source.updatedAt");
  await db.transaction(async (tx) => {
    const existing = await tx.query<{ confluence: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM confluence_sources s WHERE s.source_id = a.source_id) AS confluence " +
        "FROM archon_sources a WHERE a.source_id = $1",
      [source.sourceId],
    );
    if (existing.rows[0] && !existing.rows[0].confluence) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `source id ${JSON.stringify(source.sourceId)} already belongs to a non-Confluence Archon source; choose another.`,
      );
    }
    const spaceUrl = `${source.baseUrl.replace(/\/+$/, "")}/wiki/spaces/${source.spaceKey}`;
    // Keys this SDK owns in archon_sources.metadata, written on every upsert. Archon's UI shows a source whose
    // source_type is "url" as web content with its link, which Confluence pages are.
    const owned = {
      source_type: "url",
      original_url: spaceUrl,
      confluence: { deployment: source.deployment, space_key: source.spaceKey, base_url: source.baseUrl },
    };
    // What a user may edit in Archon (title, knowledge type, tags, description) is set once, at creation.
    const initial = { ...owned, knowledge_type: "technical", tags: ["confluence", source.spaceKey] };
    await tx.query(
      `INSERT INTO archon_sources (source_id, source_url, source_display_name, title, summary, metadata)
       VALUES ($1, $2, $3, $3, $4, $5::jsonb)
       ON CONFLICT (source_id) DO UPDATE SET source_url = EXCLUDED.source_url,
         source_display_name = EXCLUDED.source_display_name,
         metadata = COALESCE(archon_sources.metadata, '{}'::jsonb) || $6::jsonb, updated_at = NOW()`,
      [
        source.sourceId,
        spaceUrl,
        source.name,
        `Confluence space ${source.name} (${source.spaceKey}).`,
        JSON.stringify(initial),
        JSON.stringify(owned),
      ],
    );
    await tx.query(
      `INSERT INTO confluence_sources (${SOURCE_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11::jsonb, $12, $13)
       ON CONFLICT (source_id) DO UPDATE SET name = EXCLUDED.name, deployment = EXCLUDED.deployment,
         base_url = EXCLUDED.base_url, space_key = EXCLUDED.space_key, deletion_strategy = EXCLUDED.deletion_strategy,
         remove_archived = EXCLUDED.remove_archived, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at, content = EXCLUDED.content, sync_permissions = EXCLUDED.sync_permissions,
         enforce_permissions = EXCLUDED.enforce_permissions`,
      [
        source.sourceId,
        source.name,
        source.deployment,
        source.baseUrl,
        source.spaceKey,
        source.deletionStrategy,
        source.removeArchived,
        source.metadata === undefined ? null : JSON.stringify(source.metadata),
        createdAt,
        updatedAt,
        source.content === undefined ? null : JSON.stringify(source.content),
        source.syncPermissions === true || source.enforcePermissions === true,
        source.enforcePermissions === true,
      ],
    );
  });
}
