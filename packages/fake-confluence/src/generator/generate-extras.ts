import type { Deployment, FakeUser } from "../model.js";
import { Random } from "../random.js";
import { buildStorageBody } from "./storage-body.js";
import { LABELS, SERVICES, VERBS, WORDS } from "./vocabulary.js";

/** How many comments a generated space carries and of which kinds. */
export interface GenerateCommentsOptions {
  /** Share of current pages and blog posts that have comments. @default 0.3 */
  readonly share?: number;
  /** Most comments on one page or blog post (at least one on each that has any). @default 4 */
  readonly perPage?: number;
  /** Share of comments that are inline, anchored to words of the page. @default 0.3 */
  readonly inlineShare?: number;
  /** Share of inline comments that are resolved. @default 0.4 */
  readonly resolvedShare?: number;
  /** Share of footer comments that reply to an earlier one on the same page. @default 0.25 */
  readonly replyShare?: number;
}

/** A blog post as generated: dated, outside the page tree. */
export interface BlogPostSeed {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly labels: string[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly authorId: string;
}

/** A footer or inline comment as generated. */
export interface CommentSeed {
  readonly id: string;
  /** The page or blog post it is on. */
  readonly containerId: string;
  readonly location: "footer" | "inline";
  /** The comment it replies to, `null` for a top-level one. */
  readonly parentId: string | null;
  readonly body: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly authorId: string;
  /** Inline comments: words of the container's text they are anchored to. */
  readonly anchor: string | null;
  readonly resolved: boolean;
}

interface Container {
  readonly id: string;
  readonly body: string;
  readonly createdAt: string;
  readonly current: boolean;
}

const LATEST = Date.UTC(2025, 5, 30, 17, 0, 0);
const DAY = 86_400_000;
const POST_KINDS = ["Release notes", "Team update", "Incident summary", "Quarterly goals", "Engineering digest"];

/** Blog posts dated across the space's life; ids from `firstId` on. Deterministic by `rng`. */
export function generateBlogPosts(
  rng: Random,
  options: { count: number; firstId: number; spaceKey: string; users: readonly FakeUser[]; deployment: Deployment },
): BlogPostSeed[] {
  const posts: BlogPostSeed[] = [];
  const mentionIds = options.users.map((u) => (options.deployment === "cloud" ? u.accountId : u.userKey));
  const used = new Set<string>();
  for (let i = 0; i < options.count; i++) {
    const created = Date.UTC(2021, 1, 1) + rng.int(0, 1500) * DAY + rng.int(0, 36_000) * 1000;
    const updated = rng.chance(0.3) ? Math.min(LATEST, created + rng.int(1, 20) * DAY) : created;
    const base = `${new Date(created).toISOString().slice(0, 10)} ${rng.pick(SERVICES)} ${rng.pick(POST_KINDS)}`;
    let title = base;
    for (let n = 2; used.has(title.toLowerCase()); n++) title = `${base} (${n})`;
    used.add(title.toLowerCase());
    const { body } = buildStorageBody(
      { rng, spaceKey: options.spaceKey, pageTitles: [], userIds: mentionIds, deployment: options.deployment },
      rng.int(800, 6_000),
    );
    posts.push({
      id: String(options.firstId + i),
      title,
      body,
      labels: rng.sample(LABELS, rng.int(0, 2)).sort(),
      version: updated === created ? 1 : rng.int(2, 4),
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      createdBy: rng.pick(options.users).accountId,
      authorId: rng.pick(options.users).accountId,
    });
  }
  return posts;
}

/**
 * Comments on a share of the current containers: footer threads with replies, and inline comments anchored to three
 * consecutive words of the container's text, some resolved. Ids from `firstId` on, in creation order.
 */
export function generateComments(
  rng: Random,
  containers: readonly Container[],
  options: GenerateCommentsOptions & { firstId: number; users: readonly FakeUser[] },
): CommentSeed[] {
  const share = options.share ?? 0.3;
  const perPage = Math.max(1, options.perPage ?? 4);
  const inlineShare = options.inlineShare ?? 0.3;
  const resolvedShare = options.resolvedShare ?? 0.4;
  const replyShare = options.replyShare ?? 0.25;
  const out: CommentSeed[] = [];
  let next = options.firstId;
  for (const container of containers) {
    if (!container.current || !rng.chance(share)) continue;
    const words = textOf(container.body);
    const count = rng.int(1, perPage);
    const footers: string[] = [];
    let at = Math.max(Date.parse(container.createdAt), Date.UTC(2021, 0, 5));
    for (let i = 0; i < count; i++) {
      at = Math.min(LATEST, at + rng.int(1, 30) * DAY + rng.int(0, 36_000) * 1000);
      const inline = words.length >= 3 && rng.chance(inlineShare);
      const parentId = !inline && footers.length > 0 && rng.chance(replyShare) ? rng.pick(footers) : null;
      const start = inline ? rng.int(0, words.length - 3) : 0;
      const edited = rng.chance(0.15);
      const id = String(next++);
      const created = new Date(at).toISOString();
      out.push({
        id,
        containerId: container.id,
        location: inline ? "inline" : "footer",
        parentId,
        body: `<p>${sentence(rng)}</p>`,
        version: edited ? 2 : 1,
        createdAt: created,
        updatedAt: edited ? new Date(Math.min(LATEST, at + DAY)).toISOString() : created,
        authorId: rng.pick(options.users).accountId,
        anchor: inline ? words.slice(start, start + 3).join(" ") : null,
        resolved: inline && rng.chance(resolvedShare),
      });
      if (!inline) footers.push(id);
    }
  }
  return out;
}

/** Words of a storage body's paragraphs, for inline-comment anchors. */
function textOf(body: string): string[] {
  const paragraphs = body.match(/<p>([^<]{20,})<\/p>/g) ?? [];
  return paragraphs
    .slice(0, 4)
    .join(" ")
    .replace(/<[^>]*>/g, " ")
    .split(/\s+/)
    .filter((word) => /^[A-Za-z]+$/.test(word));
}

function sentence(rng: Random): string {
  const verb = rng.pick(VERBS);
  const rest = Array.from({ length: rng.int(6, 16) }, () => rng.pick(WORDS)).join(" ");
  const text = `Should we ${verb} the ${rest}?`;
  return rng.chance(0.5) ? text : `${text} I think the ${rng.pick(WORDS)} ${rng.pick(WORDS)} needs a second look.`;
}

/** A fork of the space's generator for blog posts and comments, so turning them on leaves the pages as they were. */
export function extrasRandom(seed: number): Random {
  return new Random(seed).fork(4);
}
