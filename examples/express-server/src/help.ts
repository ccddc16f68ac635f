/** Help texts of the subcommands: cheap to load, so `--help` never opens storage or starts anything. */

/** Environment variables every subcommand reads; the server README explains each. */
export const ENVIRONMENT_HELP = `Environment (all optional; without any, everything runs embedded):
  DATABASE_URL              PostgreSQL with pgvector (default: PGlite in DATA_DIR/pglite)
  DATA_DIR                  embedded data directory (default: examples/express-server/.data)
  CONFLUENCE_BASE_URL       your site (default: the embedded fake Confluence with the DEMO space)
  CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN   Cloud credentials
  CONFLUENCE_PAT            Data Center personal access token
  CONFLUENCE_SPACE_KEY      the space to register and sync
  OPENAI_API_KEY, EMBEDDING_BASE_URL, EMBEDDING_MODEL, EMBEDDING_DIMENSIONS   embeddings
  FAKE_CONFLUENCE_PORT      port of the embedded fake Confluence (default 8090)
Full list: examples/express-server/README.md`;

export const SYNC_USAGE = "Usage: archon-confluence sync [--space KEY] [--full] [--reindex]";

export const SEARCH_USAGE =
  'Usage: archon-confluence search "query" [--limit N] [--mode hybrid|vector|keyword] [--space KEY] [--json]';

export const SYNC_HELP = `${SYNC_USAGE}

Syncs one Confluence space into the store: a live progress bar on stderr, then a metrics table on stdout.
The first sync of a source is always full; later ones are incremental unless --full.

Options:
  -s, --space KEY   space to sync (default: CONFLUENCE_SPACE_KEY, or DEMO on the embedded fake)
      --full        re-read every page instead of only the changed ones
      --reindex     a full sync that also re-converts, re-chunks and re-embeds every page (a change of
                    embedding model, converter or chunker does this by itself for the pages it affects)
  -h, --help        this help

Ctrl-C stops after the pages in flight and keeps what was synced; the next sync resumes there.
Pressing it a second time quits at once.

Exit codes:
  0    synced, no page failed
  1    synced, but some pages failed (they are retried next time)
  2    bad arguments or configuration
  3    Confluence refused: credentials rejected or space not found
  4    the sync failed, or storage could not be opened
  130  interrupted (Ctrl-C); the next sync resumes

${ENVIRONMENT_HELP}`;

export const SEARCH_HELP = `${SEARCH_USAGE}

Searches what was synced and prints ranked results: title, breadcrumb, URL and a snippet.

Options:
  -n, --limit N     results to show, 1-100 (default 10)
  -m, --mode MODE   hybrid (default), vector or keyword
  -s, --space KEY   only pages of this space
      --json        the hits as JSON on stdout
  -h, --help        this help

Exit codes:
  0  results found
  1  no results
  2  bad arguments or configuration
  4  the search failed, or storage could not be opened

${ENVIRONMENT_HELP}`;

export const MIGRATE_HELP = `Usage: archon-confluence migrate

Applies the numbered SQL migrations (Archon's knowledge-base tables and the confluence_* tables) that the database
does not have yet, each in its own transaction, and lists them. Safe to run again: applied ones are skipped. The
server and the sync command also migrate at start; run this to prepare a database ahead of time.

Exit codes:
  0  the schema is up to date
  2  bad configuration, or the embedded database is in use by another process
  4  a migration failed (nothing of that migration was applied)

${ENVIRONMENT_HELP}`;

export const SERVE_HELP = `Usage: archon-confluence serve

Starts the HTTP API at /api/confluence (OpenAPI at /api/confluence/openapi.json) and the web app at /, on
embedded defaults unless the environment says otherwise. Prints its URL and one line per default it chose.
Ctrl-C (or SIGTERM) stops it; a running sync is interrupted and resumes at the next sync.

Server options come from the environment:
  PORT          HTTP port (default 3000; 0 picks a free one)
  HOST          interface to listen on (default 127.0.0.1)
  API_TOKEN     require Authorization: Bearer <API_TOKEN> on the API
  WEB_APP_DIR   built web app to serve at / (default: the React example, built at first start)

Exit codes:
  0  stopped by Ctrl-C or SIGTERM
  1  failed while running or stopping
  2  bad configuration, or PORT / FAKE_CONFLUENCE_PORT already in use
  4  storage or Confluence could not be opened at start

${ENVIRONMENT_HELP}`;

export const MCP_USAGE = "Usage: archon-confluence mcp [--allow-sync]";

export const MCP_HELP = `${MCP_USAGE}

Serves the synced Confluence to an AI assistant (Claude Desktop, Cursor, VS Code, ...) over the Model Context
Protocol on stdin/stdout: tools to search, read pages, list sources, walk the page tree and read sync status, and
every page as a resource. Everything but the protocol goes to stderr. The same server is at /mcp of a running
archon-confluence serve (Streamable HTTP). Stop the HTTP server first when on PGlite.

Options:
      --allow-sync  also offer the start_sync tool
  -h, --help        this help

Exit codes:
  0    the client closed the connection
  1    the server could not start
  2    bad arguments or configuration

${ENVIRONMENT_HELP}`;
