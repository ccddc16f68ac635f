/** Word lists the generator draws from; plain data, no logic. */

export const WORDS = (
  "the a service request deploy cluster database index query latency budget release rollout feature flag " +
  "customer account billing invoice payment gateway cache queue worker scheduler cron backup restore " +
  "replica failover region network firewall certificate token secret rotation audit policy compliance " +
  "incident alert dashboard metric trace log retention schema migration table column vector embedding " +
  "search ranking relevance model pipeline batch stream event consumer producer topic partition offset " +
  "team owner reviewer approval checklist milestone roadmap quarter objective decision tradeoff risk " +
  "mitigation dependency contract interface endpoint version client server timeout retry backoff quota " +
  "throughput capacity estimate cost storage bucket object archive snapshot volume container image " +
  "build test coverage lint format pipeline staging production sandbox tenant workspace permission role " +
  "group user profile session login password reset email notification template webhook integration"
).split(" ");

export const VERBS = (
  "configure verify update remove migrate document review approve monitor rotate restart scale deploy " +
  "investigate escalate resolve measure compare validate archive import export index reindex"
).split(" ");

export const SERVICES = [
  "Payments",
  "Billing",
  "Search",
  "Identity",
  "Notifications",
  "Ledger",
  "Gateway",
  "Scheduler",
  "Analytics",
  "Storage",
  "Ingest",
  "Catalog",
  "Checkout",
  "Reporting",
  "Auth",
  "Mobile API",
  "Data Platform",
  "Feature Flags",
];

export const SECTIONS = [
  "Engineering",
  "Product",
  "Operations",
  "Security",
  "Architecture",
  "Runbooks",
  "Meeting Notes",
  "Projects",
  "Onboarding",
  "Support",
  "Design",
  "Releases",
];

export const DOC_KINDS = [
  "Runbook",
  "Overview",
  "Design Notes",
  "FAQ",
  "Troubleshooting",
  "On-call Guide",
  "API Reference",
  "Release Notes",
  "Postmortem",
  "Migration Plan",
  "Capacity Review",
  "Checklist",
  "Requirements",
  "Decision Log",
  "How-to",
  "Glossary",
];

export const LABELS = [
  "runbook",
  "architecture",
  "adr",
  "how-to",
  "onboarding",
  "meeting-notes",
  "postmortem",
  "api",
  "security",
  "release-notes",
  "faq",
  "team-alpha",
  "team-beta",
  "kb-how-to-article",
  "decision",
  "deprecated",
  "q3-2024",
  "customer-facing",
];

export const LANGUAGES = ["python", "java", "javascript", "typescript", "sql", "bash", "yaml", "json", "go", "xml"];

export const FIRST_NAMES = [
  "Ada",
  "Grace",
  "Linus",
  "Margaret",
  "Alan",
  "Barbara",
  "Ken",
  "Radia",
  "Dennis",
  "Frances",
];
export const LAST_NAMES = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Thompson", "Perlman"];

export const ATTACHMENTS = ["architecture.png", "flow-diagram.png", "screenshot-2024-03-01.png", "dashboard.jpg"];
export const FILES = ["spec.pdf", "capacity-model.xlsx", "runbook-export.docx", "data-sample.csv"];

/** Code snippets; some contain `]]>` so the generator must split CDATA sections around it. */
export const CODE_SNIPPETS: Record<string, readonly string[]> = {
  python: [
    "def rotate(token: str) -> str:\n    if not token:\n        raise ValueError('empty token')\n    return token[::-1]\n",
    "for row in cursor.execute('SELECT id, title FROM pages WHERE status = ?', ('current',)):\n    print(row)\n",
  ],
  java: [
    "public final class Retry {\n  public static <T> T run(Callable<T> task) throws Exception {\n    return task.call();\n  }\n}\n",
  ],
  javascript: [
    "const nested = data[items[0]]; // ]]> appears in real code\nconsole.log(nested && nested.length > 0);\n",
    "export async function fetchAll(client) {\n  const out = [];\n  for await (const page of client.pages()) out.push(page);\n  return out;\n}\n",
  ],
  typescript: ["type Matrix = number[][];\nconst last = (m: Matrix) => m[m.length - 1]![0]; // m[m[0]]]>0\n"],
  sql: [
    "SELECT p.id, p.title\n  FROM pages p\n WHERE p.space_key = 'ENG'\n   AND p.updated_at >= now() - interval '7 days';\n",
  ],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell snippet, not a template
  bash: ['#!/usr/bin/env bash\nset -euo pipefail\nif [[ "${ENV}" == "prod" ]]; then echo "careful"; fi\n'],
  yaml: ["service:\n  name: payments\n  replicas: 3\n  env:\n    - name: LOG_LEVEL\n      value: info\n"],
  json: ['{\n  "id": 42,\n  "tags": ["a", "b"],\n  "nested": {"ok": true}\n}\n'],
  go: ['func main() {\n\tfmt.Println("hello <world> & friends")\n}\n'],
  xml: ['<config>\n  <![CDATA[inner]]>\n  <entry key="a">1</entry>\n</config>\n'],
};
