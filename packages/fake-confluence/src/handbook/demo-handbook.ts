/**
 * The demo space: Acme's engineering handbook. Written pages (runbooks, ADRs, how-tos, incident reviews, a glossary)
 * come first; service pages, meeting notes and further records, written from templates, fill the space to the size
 * asked for. Deterministic: the same options give the same space.
 */
import type { SpaceSeed } from "../generator/generate-space.js";
import { generateUsers } from "../generator/generate-space.js";
import type { BodyFeature } from "../generator/storage-body.js";
import type { Deployment } from "../model.js";
import { Random } from "../random.js";
import { HANDBOOK_PAGES, type HandbookPage, HOME } from "./handbook-pages.js";
import { type Block, code, h2, h3, type MarkupContext, ol, p, panel, status, table, tasks, ul } from "./markup.js";

interface ServiceInfo {
  readonly name: string;
  readonly slug: string;
  readonly what: string;
  readonly language: string;
  readonly store: string;
  readonly owner: number;
  readonly team: string;
  readonly project: string;
}

const SERVICES: readonly ServiceInfo[] = [
  {
    name: "Payments",
    slug: "payments-api",
    what: "captures card and bank payments for orders",
    language: "Go",
    store: "PostgreSQL",
    owner: 2,
    team: "Payments",
    project: "PAY",
  },
  {
    name: "Search",
    slug: "search-api",
    what: "answers product and document search with hybrid ranking",
    language: "TypeScript",
    store: "PostgreSQL + pgvector",
    owner: 5,
    team: "Discovery",
    project: "SRCH",
  },
  {
    name: "Identity",
    slug: "identity",
    what: "signs users in (SSO, passwords, hardware keys) and issues tokens",
    language: "Java",
    store: "PostgreSQL",
    owner: 4,
    team: "Security",
    project: "IAM",
  },
  {
    name: "Notifications",
    slug: "notifier",
    what: "sends email, SMS and push notifications from Kafka events",
    language: "TypeScript",
    store: "Redis",
    owner: 6,
    team: "Engagement",
    project: "NOTIF",
  },
  {
    name: "Billing",
    slug: "billing",
    what: "produces invoices and subscriptions from usage records",
    language: "Kotlin",
    store: "PostgreSQL",
    owner: 7,
    team: "Revenue",
    project: "BILL",
  },
  {
    name: "Catalog",
    slug: "catalog",
    what: "stores products, prices and availability",
    language: "Go",
    store: "PostgreSQL",
    owner: 8,
    team: "Discovery",
    project: "CAT",
  },
  {
    name: "Gateway",
    slug: "edge-gateway",
    what: "terminates TLS and routes public traffic to services",
    language: "Rust",
    store: "none (stateless)",
    owner: 10,
    team: "Platform",
    project: "PLAT",
  },
  {
    name: "Reporting",
    slug: "reporting",
    what: "builds daily business reports from the warehouse",
    language: "Python",
    store: "BigQuery",
    owner: 9,
    team: "Data",
    project: "DATA",
  },
];

const TOPICS = ["capacity", "latency", "cost", "reliability", "security", "schema", "dependencies", "testing"];

function servicePages(s: ServiceInfo): HandbookPage[] {
  const page = (title: string, parent: string, labels: string[], blocks: Block[]): HandbookPage => ({
    title,
    parent,
    labels: [...labels, s.slug],
    author: s.owner,
    blocks,
  });
  const root = `${s.name} service`;
  return [
    page(
      root,
      "Services",
      ["service"],
      [
        p(
          `${s.name} ${s.what}. Written in ${s.language}; data in ${s.store}. Owned by the ${s.team} team, tech lead @${s.owner}.`,
        ),
        table(
          ["", ""],
          [
            ["Repository", `\`github.com/acme/${s.slug}\``],
            ["Dashboard", `Grafana: ${s.name} overview`],
            ["Jira project", s.project],
            ["Tier", s.name === "Payments" || s.name === "Gateway" ? "Tier 1 (24/7 on-call)" : "Tier 2"],
          ],
        ),
        panel("info", `Changes to ${s.name} need a review from the ${s.team} team.`),
      ],
    ),
    page(
      `${s.name} operations`,
      root,
      ["operations"],
      [
        p(`Day-to-day operation of ${s.slug}: scaling, restarts and the dashboards on-call watches.`),
        code(
          "bash",
          `kubectl get pods -n ${s.slug.split("-")[0]} -l app=${s.slug}\nkubectl logs -n ${s.slug.split("-")[0]} deploy/${s.slug} --since=15m | grep -i error`,
        ),
      ],
    ),
    page(
      `${s.name} alerts`,
      `${s.name} operations`,
      ["alerts"],
      [
        p(`Alerts of ${s.slug}, with their thresholds. Each alert links the page that explains it.`),
        table(
          ["Alert", "Threshold", "Severity"],
          [
            [`${s.name}HighErrorRate`, "5xx above 1% for 5 minutes", "SEV-2"],
            [`${s.name}HighLatency`, "p99 above 800 ms for 10 minutes", "SEV-3"],
            [`${s.name}PodCrashLooping`, "3 restarts in 10 minutes", "SEV-3"],
          ],
        ),
      ],
    ),
    page(
      `${s.name} alert: high error rate`,
      `${s.name} alerts`,
      ["alerts"],
      [
        p(
          `\`${s.name}HighErrorRate\` fires when more than 1% of requests to ${s.slug} fail. Check the last deploy first, then its dependencies.`,
        ),
        ol(
          "Open the service dashboard and compare with the deploy markers.",
          `Check dependency health: ${s.store}, Kafka, the gateway.`,
          "If the last deploy caused it, revert that deploy first and investigate afterwards.",
        ),
      ],
    ),
    page(
      `${s.name} error rate investigations`,
      `${s.name} alert: high error rate`,
      ["investigation"],
      [
        p(`Notes from past investigations of ${s.name} error spikes, newest first.`),
        tasks(
          `[x] Correlate spikes with ${s.store} slow queries`,
          `Add request ids to ${s.slug} error logs ({{${s.project}-${120 + s.owner}}})`,
        ),
      ],
    ),
    page(
      `${s.name} slow query analysis`,
      `${s.name} error rate investigations`,
      ["investigation", "database"],
      [
        p(`Query plans behind the ${s.name} latency spikes, captured with \`EXPLAIN (ANALYZE, BUFFERS)\`.`),
        code(
          "sql",
          `EXPLAIN (ANALYZE, BUFFERS)\nSELECT * FROM ${s.slug.replace(/-/g, "_")}_events\nWHERE account_id = $1 ORDER BY created_at DESC LIMIT 50;`,
        ),
      ],
    ),
    page(
      `${s.name} API reference`,
      root,
      ["api"],
      [
        p(`Public endpoints of ${s.slug}. All endpoints need a bearer token from Identity.`),
        table(
          ["Method", "Path", "Purpose"],
          [
            ["GET", `/v1/${s.name.toLowerCase()}/{id}`, "Read one record"],
            ["POST", `/v1/${s.name.toLowerCase()}`, "Create a record"],
            ["GET", "/healthz", "Liveness probe"],
          ],
        ),
      ],
    ),
  ];
}

function recordPages(rng: Random, index: number): HandbookPage {
  const s = SERVICES[index % SERVICES.length] as ServiceInfo;
  const topic = TOPICS[Math.floor(index / SERVICES.length) % TOPICS.length] as string;
  const kind = index % 3;
  const month = String(1 + (index % 12)).padStart(2, "0");
  const day = String(1 + ((index * 7) % 28)).padStart(2, "0");
  const year = 2023 + (index % 3);
  if (kind === 0) {
    return {
      title: `${year}-${month}-${day} Platform weekly: ${s.name} ${topic}`,
      parent: "Meeting notes",
      labels: ["meeting-notes", s.slug],
      author: rng.int(0, 11),
      blocks: [
        h3("Attendees"),
        p(`@${s.owner}, @${rng.int(0, 11)}, @${rng.int(0, 11)}`),
        h3("Discussion"),
        ul(
          `${s.name} ${topic}: status update from the ${s.team} team.`,
          `Open risks for ${s.slug} reviewed; none blocking.`,
        ),
        h3("Action items"),
        tasks(
          `[x] Share the ${topic} numbers for ${s.name}`,
          `Draft a proposal for ${s.name} ${topic} ({{${s.project}-${200 + index}}})`,
        ),
      ],
    };
  }
  if (kind === 1) {
    return {
      title: `${s.name} ${topic} review ${year}`,
      parent: `${s.name} service`,
      labels: ["review", topic, s.slug],
      author: s.owner,
      blocks: [
        status(rng.chance(0.5) ? "Green" : "Yellow", rng.chance(0.5) ? "On track" : "Needs attention"),
        p(`Yearly ${topic} review of ${s.name} (${s.slug}). Findings and the actions the ${s.team} team agreed on.`),
        h2("Findings"),
        ul(
          `The ${topic} of ${s.slug} is within target for ${rng.int(9, 12)} of 12 months.`,
          `Most ${topic} work went into ${s.store}.`,
        ),
        tasks(`Follow up on ${topic} findings ({{${s.project}-${300 + index}}})`),
      ],
    };
  }
  return {
    title: `How ${s.name} handles ${topic}`,
    parent: `${s.name} service`,
    labels: ["design", topic, s.slug],
    author: s.owner,
    blocks: [
      p(`Design notes on ${topic} in ${s.name}, kept current by the ${s.team} team.`),
      panel("note", `Ask @${s.owner} before changing the ${topic} design of ${s.slug}.`),
      code(
        s.language === "Python" ? "python" : "yaml",
        s.language === "Python"
          ? `# ${topic}\nconfig = load_config("${s.slug}")\nprint(config["${topic}"])`
          : `${s.slug}:\n  ${topic}:\n    enabled: true\n    owner: ${s.team.toLowerCase()}`,
      ),
    ],
  };
}

/** Pages in creation order: parents always come before their children. */
function handbookPages(count: number): HandbookPage[] {
  const pages: HandbookPage[] = [
    ...HANDBOOK_PAGES,
    {
      title: "Services",
      parent: HOME,
      labels: ["service"],
      author: 10,
      blocks: [p("One page per service: what it does, who owns it, how to operate it.")],
    },
    {
      title: "Meeting notes",
      parent: HOME,
      labels: ["meeting-notes"],
      author: 1,
      blocks: [p("Notes of the recurring engineering meetings.")],
    },
    ...SERVICES.flatMap(servicePages),
  ];
  const rng = new Random(7);
  for (let i = 0; pages.length < count; i++) pages.push(recordPages(rng, i));
  return pages.slice(0, Math.max(1, count));
}

const EPOCH = Date.UTC(2023, 0, 9, 9, 0, 0);
const DAY = 86_400_000;

/** The demo handbook as a space seed. */
export function demoHandbook(
  options: {
    pages?: number | undefined;
    seed?: number | undefined;
    firstPageId?: number;
    deployment?: Deployment;
  } = {},
): SpaceSeed {
  const deployment = options.deployment ?? "cloud";
  const firstId = options.firstPageId ?? 100_000;
  const users = generateUsers(options.seed ?? 42);
  const rng = new Random(options.seed ?? 42);
  const list = handbookPages(options.pages ?? 300);
  const ids = new Map(list.map((page, i) => [page.title, String(firstId + i)]));
  let macro = 0;
  const pages = list.map((page, i) => {
    const features = new Set<BodyFeature>();
    const ctx: MarkupContext = {
      spaceKey: "DEMO",
      deployment,
      features,
      userId: (n) => {
        const user = users[n % users.length];
        return (deployment === "cloud" ? user?.accountId : user?.userKey) ?? "";
      },
      nextMacroId: () => `00000000-0000-4000-8000-${String(++macro).padStart(12, "0")}`,
    };
    const created = EPOCH + rng.int(0, 700) * DAY + rng.int(0, 30_000) * 1000;
    const updated = created + rng.int(0, 200) * DAY;
    const author = users[page.author % users.length]?.accountId ?? "";
    return {
      id: String(firstId + i),
      title: page.title,
      parentId: page.parent ? (ids.get(page.parent) ?? String(firstId)) : null,
      status: "current" as const,
      body: page.blocks.map((block) => block(ctx)).join(""),
      labels: [...new Set(page.labels)].sort(),
      version: updated === created ? 1 : rng.int(2, 12),
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      createdBy: author,
      authorId: author,
      features: [...features].sort(),
    };
  });
  return {
    key: "DEMO",
    name: HOME,
    description: "Acme's engineering handbook: runbooks, ADRs, how-to guides, incident reviews and service pages.",
    homepageId: String(firstId),
    pages,
    users,
  };
}
