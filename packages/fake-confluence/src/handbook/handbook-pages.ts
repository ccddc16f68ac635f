/** The written pages of the demo handbook: what a newcomer reads and searches first. */
import { type Block, code, expand, h2, h3, ol, p, panel, status, table, tasks, ul } from "./markup.js";

/** One handbook page; `parent` is the parent's title (none for the home page). */
export interface HandbookPage {
  readonly title: string;
  readonly parent?: string;
  readonly labels: readonly string[];
  /** Index of the author among the space's users. */
  readonly author: number;
  readonly blocks: readonly Block[];
}

export const HOME = "Acme Engineering Handbook";

export const HANDBOOK_PAGES: readonly HandbookPage[] = [
  {
    title: HOME,
    labels: ["handbook"],
    author: 0,
    blocks: [
      p("How Acme Engineering builds, ships and runs its services. New here? Start with the how-to guides."),
      table(
        ["Section", "What you find there"],
        [
          ["Runbooks", "Step-by-step procedures for on-call: deploys, failovers, certificate renewals."],
          ["Architecture Decision Records", "Why the platform looks the way it does (ADR-001 onwards)."],
          ["How-to guides", "Short recipes for everyday tasks: secrets, feature flags, local setup."],
          ["Incident reviews", "Blameless write-ups of past incidents with their follow-up actions."],
          ["Services", "One page per service: owners, dashboards, alerts and dependencies."],
          ["Glossary", "The words we use, from SLO to canary."],
        ],
      ),
      panel("info", "Questions about this handbook go to #eng-handbook; the page owner is @0."),
    ],
  },
  {
    title: "Runbooks",
    parent: HOME,
    labels: ["runbook"],
    author: 1,
    blocks: [
      p(
        "Runbooks are the procedures on-call engineers follow under pressure. Each one says when to use it, the exact commands, and how to verify the result.",
      ),
      panel("warning", "If a runbook is wrong or out of date, fix it right after the incident, not during it."),
    ],
  },
  {
    title: "Deploy rollback procedure",
    parent: "Runbooks",
    labels: ["runbook", "deploy", "rollback"],
    author: 2,
    blocks: [
      p(
        "Use this rollback procedure when a release breaks production: error rate above the SLO, failing health checks or a bad migration. A rollback returns every service to the last known good release; it is always safer than a hotfix under pressure. This runbook is the rollback procedure for every service deployed with deployctl.",
      ),
      panel(
        "warning",
        "Roll back first, investigate later. Do not wait for the root cause before starting the rollback.",
        "Rollback before debugging",
      ),
      h2("When to roll back"),
      ul(
        "The 5xx rate of a service stays above 1% for five minutes after a deploy.",
        "Health checks fail on more than one pod of the new release.",
        "A database migration of the release fails or locks a table for more than a minute.",
      ),
      h2("Rollback steps"),
      ol(
        "Announce the rollback in #incidents and page the release owner.",
        "Find the previous release: `deployctl releases list --service <name> --limit 5`.",
        "Run the rollback command below and watch the rollout until every pod is ready.",
        "Verify: error rate back under the SLO, synthetic checks green on the status dashboard.",
        "Open a ticket for the failed release (for example {{OPS-1423}}) and link it in the incident channel.",
      ),
      code(
        "bash",
        "deployctl rollback --service payments-api --to-release 2025.06.12-3 --wait\nkubectl rollout status deployment/payments-api -n payments --timeout=10m",
        "rollback.sh",
      ),
      h2("Database migrations"),
      p(
        "Migrations are forward-only. When a release with a migration is rolled back, the schema stays; every migration must therefore be backward compatible with the previous release (expand, then contract). See [[ADR-004: Expand and contract database migrations]].",
      ),
      table(
        ["Situation", "Rollback action", "Owner"],
        [
          ["Bad application release", "`deployctl rollback` to the previous release", "Release owner"],
          ["Bad feature flag", "Turn the flag off; no deploy needed", "Feature owner"],
          ["Bad migration", "Stop the rollout, run the down-script reviewed in the PR", "Database on-call"],
        ],
      ),
      h2("After the rollback"),
      tasks(
        "[x] Rollback announced in #incidents",
        "[x] Previous release verified healthy",
        "Incident review scheduled within five working days",
        "Failed release fixed and redeployed behind a flag",
      ),
    ],
  },
  {
    title: "Database failover runbook",
    parent: "Runbooks",
    labels: ["runbook", "database", "postgresql"],
    author: 3,
    blocks: [
      p(
        "Promote the PostgreSQL replica when the primary is unreachable for more than two minutes. Patroni usually fails over on its own; use this runbook when it did not.",
      ),
      code(
        "bash",
        "patronictl -c /etc/patroni.yml list\npatronictl -c /etc/patroni.yml failover --candidate pg-replica-2 --force",
        "failover.sh",
      ),
      panel(
        "note",
        "Applications reconnect through PgBouncer; restart PgBouncer only if connections stay in `cl_waiting` after the switch.",
      ),
      tasks(
        "Confirm the old primary is fenced",
        "Check replication lag on the new replica is zero",
        "Create a replacement replica",
      ),
    ],
  },
  {
    title: "TLS certificate renewal runbook",
    parent: "Runbooks",
    labels: ["runbook", "security", "certificates"],
    author: 4,
    blocks: [
      p(
        "cert-manager renews certificates 30 days before expiry. The `CertificateExpiringSoon` alert fires at 14 days when renewal failed.",
      ),
      code(
        "bash",
        "kubectl get certificates -A | grep -v True\nkubectl describe certificate api-acme-com -n ingress\ncmctl renew api-acme-com -n ingress",
      ),
      panel(
        "tip",
        "Most failed renewals are DNS-01 challenges blocked by a changed DNS API token; check the issuer's events first.",
      ),
    ],
  },
  {
    title: "PgBouncer connection pool exhausted",
    parent: "Runbooks",
    labels: ["runbook", "database", "pgbouncer"],
    author: 3,
    blocks: [
      p(
        "The PgBouncer connection pool is exhausted: clients wait for a server connection (`cl_waiting` above zero for minutes) and requests time out. Usually a long transaction or a traffic spike holds every server connection.",
      ),
      code(
        "sql",
        "SHOW POOLS;\nSELECT pid, now() - xact_start AS age, state, query\nFROM pg_stat_activity WHERE state <> 'idle' ORDER BY age DESC LIMIT 10;",
      ),
      ol(
        "Find the oldest transaction with the query above.",
        "Cancel it with `SELECT pg_cancel_backend(pid)`; terminate only if cancel fails.",
        "Raise `default_pool_size` temporarily if traffic, not a stuck query, is the cause.",
      ),
    ],
  },
  {
    title: "Architecture Decision Records",
    parent: HOME,
    labels: ["adr", "architecture"],
    author: 0,
    blocks: [
      p(
        "An ADR records one decision: the context, the decision, and its consequences. Numbered, never deleted; a later ADR supersedes an earlier one.",
      ),
      code(
        "markdown",
        "# ADR-NNN: Title\n\n## Status\nProposed | Accepted | Superseded by ADR-MMM\n\n## Context\n## Decision\n## Consequences",
        "adr-template.md",
      ),
    ],
  },
  {
    title: "ADR-001: Use PostgreSQL with pgvector for search",
    parent: "Architecture Decision Records",
    labels: ["adr", "architecture", "postgresql", "search"],
    author: 5,
    blocks: [
      status("Green", "Accepted"),
      h2("Context"),
      p(
        "Product search and the assistant need semantic search over documents. A dedicated vector database would be one more system to run, back up and secure.",
      ),
      h2("Decision"),
      p(
        "We store embeddings in PostgreSQL with the pgvector extension, next to the documents, and use an HNSW index with cosine distance. Full-text search uses `tsvector`; results of both are fused.",
      ),
      h2("Consequences"),
      ul(
        "One database to operate, with transactions across documents and vectors.",
        "Index build time grows with the corpus; we build the HNSW index after bulk loads.",
        "Revisit above 50 million vectors ({{ARCH-88}}).",
      ),
    ],
  },
  {
    title: "ADR-002: Kafka as the event backbone",
    parent: "Architecture Decision Records",
    labels: ["adr", "architecture", "kafka"],
    author: 6,
    blocks: [
      status("Green", "Accepted"),
      p(
        "Services publish domain events (order placed, payment captured) to Kafka topics with a schema in the registry. Consumers are idempotent; events are kept for seven days.",
      ),
      table(
        ["Option", "Pros", "Cons"],
        [
          ["Kafka", "Replay, ordering per key, ecosystem", "Operational weight"],
          ["RabbitMQ", "Simple routing", "No replay"],
          ["Cloud pub/sub", "Managed", "Vendor lock-in"],
        ],
      ),
    ],
  },
  {
    title: "ADR-003: Trunk-based development with feature flags",
    parent: "Architecture Decision Records",
    labels: ["adr", "process", "feature-flags"],
    author: 7,
    blocks: [
      status("Green", "Accepted"),
      p(
        "Everyone merges to `main` at least daily; unfinished work hides behind feature flags. Long-lived branches are not allowed. Releases are cut from `main` every weekday.",
      ),
    ],
  },
  {
    title: "ADR-004: Expand and contract database migrations",
    parent: "Architecture Decision Records",
    labels: ["adr", "database", "migrations"],
    author: 3,
    blocks: [
      status("Green", "Accepted"),
      p(
        "Every schema change ships in two releases: expand (add the new column or table, write both) and contract (remove the old one once nothing reads it). A release can then always be rolled back without touching the schema.",
      ),
      code(
        "sql",
        "-- expand\nALTER TABLE invoices ADD COLUMN currency_code text;\n-- contract, two releases later\nALTER TABLE invoices DROP COLUMN currency;",
      ),
    ],
  },
  {
    title: "ADR-005: OpenTelemetry for tracing",
    parent: "Architecture Decision Records",
    labels: ["adr", "observability"],
    author: 8,
    blocks: [
      status("Yellow", "Proposed"),
      p(
        "Instrument every service with the OpenTelemetry SDK and export traces over OTLP to the collector; sampling at 10% plus every error.",
      ),
    ],
  },
  {
    title: "How-to guides",
    parent: HOME,
    labels: ["how-to"],
    author: 1,
    blocks: [p("Short recipes for everyday work. Each guide fits on one screen.")],
  },
  {
    title: "How to rotate database credentials",
    parent: "How-to guides",
    labels: ["how-to", "security", "database", "secrets"],
    author: 4,
    blocks: [
      p(
        "Database passwords rotate every 90 days, or at once when one may have leaked. Vault issues the new password; services pick it up on restart.",
      ),
      ol(
        "Create the new credential: `vault write database/rotate-role/payments-api`.",
        "Restart the service: `kubectl rollout restart deployment/payments-api -n payments`.",
        "Check the old credential is no longer used in `pg_stat_activity`, then revoke it.",
      ),
      panel("warning", "Never paste a password into a ticket or a chat; share the Vault path instead."),
    ],
  },
  {
    title: "How to add a feature flag",
    parent: "How-to guides",
    labels: ["how-to", "feature-flags"],
    author: 7,
    blocks: [
      p("Flags live in the flag service; code asks for them through the SDK with a safe default."),
      code(
        "typescript",
        'import { flags } from "@acme/flags";\n\nif (await flags.isEnabled("checkout.new-tax-engine", { accountId })) {\n  return newTaxEngine.quote(cart);\n}\nreturn legacyTax.quote(cart);',
        "checkout.ts",
      ),
      tasks(
        "[x] Flag created with an owner and an expiry date",
        "Flag removed from code within 30 days of full rollout",
      ),
    ],
  },
  {
    title: "How to set up the local development environment",
    parent: "How-to guides",
    labels: ["how-to", "onboarding", "local-dev"],
    author: 9,
    blocks: [
      p("You need Docker, Node.js 22 and the `acme` CLI. The whole stack runs locally with seeded data."),
      code(
        "bash",
        "brew install acme/tap/acme-cli\nacme dev up        # starts PostgreSQL, Kafka and the services\nacme dev seed      # loads demo customers and orders",
      ),
      panel("tip", "If `acme dev up` hangs on Kafka, give Docker at least 8 GB of memory."),
    ],
  },
  {
    title: "New engineer onboarding checklist",
    parent: "How-to guides",
    labels: ["onboarding", "how-to"],
    author: 0,
    blocks: [
      p(
        "Welcome to Acme! Work through this onboarding checklist in your first two weeks; your onboarding buddy is named in your welcome email.",
      ),
      h3("Week one"),
      tasks(
        "[x] Laptop set up with SSO and hardware key",
        "[x] Read [[How to set up the local development environment]]",
        "Ship a small change to production with your buddy",
        "Shadow an on-call shift",
      ),
      h3("Week two"),
      tasks(
        "Read the five most recent incident reviews",
        "Read [[ADR-003: Trunk-based development with feature flags]]",
        "Pick a first ticket from {{ONB-12}}",
      ),
      panel("info", "Ask anything in #eng-newcomers; no question is too small."),
    ],
  },
  {
    title: "Incident reviews",
    parent: HOME,
    labels: ["incident-review"],
    author: 2,
    blocks: [
      p(
        "Blameless reviews of production incidents. Each lists the timeline, the impact, what went well, what did not, and follow-up actions with Jira keys.",
      ),
    ],
  },
  {
    title: "2025-03-14 Checkout outage after a bad release",
    parent: "Incident reviews",
    labels: ["incident-review", "payments", "sev1"],
    author: 2,
    blocks: [
      status("Red", "SEV-1"),
      p(
        "Checkout outage: for 38 minutes, 41% of checkout attempts failed with HTTP 502. A release of payments-api opened too many database connections at startup; the outage ended with a rollback.",
      ),
      table(
        ["Time (UTC)", "Event"],
        [
          ["14:02", "Release 2025.03.14-1 of payments-api starts rolling out"],
          ["14:06", "Alert: checkout 5xx above 5%"],
          ["14:19", "@2 starts the [[Deploy rollback procedure]]"],
          ["14:40", "Rollback complete, error rate normal"],
        ],
      ),
      h2("Follow-up actions"),
      tasks(
        "[x] Add a connection-count check to the canary ({{PAY-311}})",
        "Cap the pool size per pod in the Helm chart ({{PAY-312}})",
        "Page the release owner automatically on a failed canary ({{OPS-1502}})",
      ),
    ],
  },
  {
    title: "2024-11-02 Search latency incident",
    parent: "Incident reviews",
    labels: ["incident-review", "search", "sev2"],
    author: 5,
    blocks: [
      status("Yellow", "SEV-2"),
      p(
        "Search p99 latency rose from 300 ms to 9 s for two hours. A reindex job ran during peak traffic and the HNSW index no longer fit in memory.",
      ),
      tasks(
        "[x] Schedule reindex jobs outside business hours ({{SRCH-77}})",
        "Alert on index size versus shared_buffers ({{SRCH-78}})",
      ),
    ],
  },
  {
    title: "Glossary",
    parent: HOME,
    labels: ["glossary"],
    author: 1,
    blocks: [
      p("Terms used across the handbook."),
      table(
        ["Term", "Meaning"],
        [
          [
            "SLO",
            "Service level objective: the reliability target a service promises, e.g. 99.9% of requests succeed.",
          ],
          ["Error budget", "How much unreliability the SLO allows in a period; when spent, releases slow down."],
          [
            "Canary",
            "A release served to a small share of traffic first, to catch problems before everyone sees them.",
          ],
          ["Runbook", "A written procedure on-call follows for one kind of problem."],
          ["ADR", "Architecture decision record: one decision with its context and consequences."],
          ["RTO / RPO", "Recovery time objective and recovery point objective of a backup plan."],
          ["Toil", "Manual, repetitive operational work that automation should remove."],
        ],
      ),
    ],
  },
  {
    title: "On-call handbook",
    parent: "Runbooks",
    labels: ["on-call", "runbook"],
    author: 10,
    blocks: [
      p(
        "On-call rotates weekly, Monday 10:00 to Monday 10:00. The primary acknowledges a page within five minutes; the secondary takes over after fifteen.",
      ),
      table(
        ["Severity", "Response", "Who is told"],
        [
          ["SEV-1", "Immediately, 24/7", "Incident commander, status page"],
          ["SEV-2", "Within 30 minutes, 24/7", "Team channel"],
          ["SEV-3", "Next business day", "Ticket"],
        ],
      ),
      expand("Escalation contacts", p("Platform: @10, Payments: @2, Search: @5, Security: @4.")),
    ],
  },
];

/** Queries the READMEs show, with the page a person expects at the top; a test runs each through the real search. */
export const HANDBOOK_QUERIES: ReadonlyArray<{ readonly query: string; readonly expectedTitle: string }> = [
  { query: "rollback", expectedTitle: "Deploy rollback procedure" },
  { query: "rollback procedure", expectedTitle: "Deploy rollback procedure" },
  { query: "rollback runbook", expectedTitle: "Deploy rollback procedure" },
  { query: "onboarding checklist", expectedTitle: "New engineer onboarding checklist" },
  { query: "rotate database credentials", expectedTitle: "How to rotate database credentials" },
  { query: "why pgvector", expectedTitle: "ADR-001: Use PostgreSQL with pgvector for search" },
  { query: "checkout outage", expectedTitle: "2025-03-14 Checkout outage after a bad release" },
  { query: "connection pool exhausted", expectedTitle: "PgBouncer connection pool exhausted" },
];
