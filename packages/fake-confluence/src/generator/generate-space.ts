import type { Deployment, FakePageStatus, FakeUser } from "../model.js";
import { Random } from "../random.js";
import {
  type BlogPostSeed,
  type CommentSeed,
  extrasRandom,
  type GenerateCommentsOptions,
  generateBlogPosts,
  generateComments,
} from "./generate-extras.js";
import { type BodyFeature, buildStorageBody } from "./storage-body.js";
import { DOC_KINDS, FIRST_NAMES, LABELS, LAST_NAMES, SECTIONS, SERVICES, WORDS } from "./vocabulary.js";

/** Options for {@link generateSpace}. */
export interface GenerateSpaceOptions {
  /** Space key, e.g. `ENG`. */
  readonly key: string;
  /** @default `${key} Space` */
  readonly name?: string;
  /** Number of pages, the home page included. */
  readonly pages: number;
  /** Same seed, same space, byte for byte. @default 1 */
  readonly seed?: number;
  /** Id of the first page; the rest follow in order. @default 100000 */
  readonly firstPageId?: number;
  /** Authors to draw from. @default generateUsers(seed) */
  readonly users?: readonly FakeUser[];
  /** Decides which user identifier mentions use (`ri:account-id` or `ri:userkey`). @default "cloud" */
  readonly deployment?: Deployment;
  /** Share of leaf pages marked archived. @default 0.02 */
  readonly archivedRatio?: number;
  /** Share of leaf pages marked trashed. @default 0.01 */
  readonly trashedRatio?: number;
  /** Blog posts, numbered after the pages. The pages are the same with or without them. @default 0 */
  readonly blogPosts?: number;
  /**
   * Footer and inline comments (some resolved, some replies) on a share of the current pages and blog posts,
   * numbered after them; `true` for the defaults of {@link GenerateCommentsOptions}. @default false
   */
  readonly comments?: boolean | GenerateCommentsOptions;
}

/** A page as generated, before it is loaded into a server. */
export interface PageSeed {
  readonly id: string;
  readonly title: string;
  readonly parentId: string | null;
  readonly status: FakePageStatus;
  readonly body: string;
  readonly labels: string[];
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
  readonly authorId: string;
  /** Storage-format constructs the body contains. */
  readonly features: readonly BodyFeature[];
}

/** A generated space: its pages in creation order, the first being the home page. */
export interface SpaceSeed {
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly homepageId: string | null;
  readonly pages: readonly PageSeed[];
  readonly users: readonly FakeUser[];
  /** Blog posts, by id. @default none */
  readonly blogPosts?: readonly BlogPostSeed[];
  /** Comments on pages and blog posts, by id. @default none */
  readonly comments?: readonly CommentSeed[];
}

const EPOCH = Date.UTC(2021, 0, 4, 9, 0, 0);
const LATEST = Date.UTC(2025, 5, 30, 17, 0, 0);
const DAY = 86_400_000;

/** A deterministic set of users with Cloud and Data Center identifiers. */
export function generateUsers(seed = 1, count = 12): FakeUser[] {
  const rng = new Random(seed ^ 0x5eed);
  const users: FakeUser[] = [];
  for (let i = 0; i < count; i++) {
    const first = FIRST_NAMES[i % FIRST_NAMES.length] as string;
    const last = LAST_NAMES[(i * 3) % LAST_NAMES.length] as string;
    const username = `${first[0]}${last}${i >= FIRST_NAMES.length ? i : ""}`.toLowerCase();
    users.push({
      accountId: `557058:${rng.hex(8)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(4)}-${rng.hex(12)}`,
      userKey: rng.hex(32),
      username,
      displayName: `${first} ${last}`,
      email: `${username}@example.com`,
    });
  }
  return users;
}

function pickBodySize(rng: Random, index: number): number {
  // A fixed early page is always large so every space of 50+ pages has a 75 KB+ body.
  if (index === 7) return rng.int(76_000, 110_000);
  const roll = rng.next();
  if (roll < 0.55) return rng.int(1_000, 4_000);
  if (roll < 0.85) return rng.int(4_000, 20_000);
  if (roll < 0.97) return rng.int(20_000, 60_000);
  return rng.int(75_000, 120_000);
}

function makeTitle(rng: Random, index: number, depth: number, parentTitle: string | null): string {
  if (index === 0) return "Home";
  if (depth === 1) return SECTIONS[(index - 1) % SECTIONS.length] as string;
  const roll = rng.next();
  if (roll < 0.15) {
    const day = new Date(EPOCH + rng.int(0, 1500) * DAY).toISOString().slice(0, 10);
    return `${day} ${rng.pick(["Team Sync", "Retrospective", "Planning", "Incident Review"])}`;
  }
  if (roll < 0.25)
    return `ADR-${String(rng.int(1, 300)).padStart(3, "0")}: ${capitalize(rng.pick(WORDS))} ${rng.pick(WORDS)}`;
  if (roll < 0.35 && parentTitle) return `${parentTitle.split(" ")[0]} ${rng.pick(DOC_KINDS)}`;
  if (roll < 0.45)
    return `How to ${rng.pick(["rotate", "restore", "deploy", "debug", "scale"])} the ${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  return `${rng.pick(SERVICES)} ${rng.pick(DOC_KINDS)}`;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Generates a realistic space: a home page, top-level sections and a deep hierarchy (one branch is always 9 levels
 * deep), with storage-format bodies from 1 KB to over 75 KB using headings, tables with merged cells, code macros
 * (CDATA split around `]]>`), panels, expand, status and Jira macros, page links, mentions, images, attachments,
 * task lists and layouts. Deterministic: the same options always give the same space.
 */
export function generateSpace(options: GenerateSpaceOptions): SpaceSeed {
  const seed = options.seed ?? 1;
  const deployment = options.deployment ?? "cloud";
  const users = options.users ?? generateUsers(seed);
  const firstId = options.firstPageId ?? 100_000;
  const count = Math.max(0, Math.floor(options.pages));
  const rng = new Random(seed);
  const structureRng = rng.fork(1);
  const bodyRng = rng.fork(2);
  const metaRng = rng.fork(3);

  const parents: Array<number | null> = [];
  const depths: number[] = [];
  const titles: string[] = [];
  const usedTitles = new Set<string>();
  const childCount = new Map<number, number>();
  const sectionCount = Math.min(count - 1, 4 + (count > 200 ? 4 : 0));
  for (let i = 0; i < count; i++) {
    let parent: number | null;
    if (i === 0) parent = null;
    else if (i <= sectionCount) parent = 0;
    else if (i > sectionCount && i <= sectionCount + 8)
      parent = i === sectionCount + 1 ? 1 : i - 1; // a 9-deep chain
    else if (structureRng.chance(0.01))
      parent = null; // an occasional orphan at the space root
    else if (structureRng.chance(0.6)) parent = structureRng.int(Math.max(1, i - 40), i - 1);
    else parent = structureRng.int(1, i - 1);
    if (parent !== null && (depths[parent] ?? 0) >= 12) parent = structureRng.int(1, sectionCount);
    parents.push(parent);
    depths.push(parent === null ? (i === 0 ? 0 : 1) : (depths[parent] ?? 0) + 1);
    if (parent !== null) childCount.set(parent, (childCount.get(parent) ?? 0) + 1);
    const base = makeTitle(structureRng, i, depths[i] ?? 0, parent === null ? null : (titles[parent] ?? null));
    let title = base;
    for (let n = 2; usedTitles.has(title.toLowerCase()); n++) title = `${base} (${n})`;
    usedTitles.add(title.toLowerCase());
    titles.push(title);
  }

  const mentionIds = users.map((u) => (deployment === "cloud" ? u.accountId : u.userKey));
  const archivedRatio = options.archivedRatio ?? 0.02;
  const trashedRatio = options.trashedRatio ?? 0.01;
  const pages: PageSeed[] = [];
  for (let i = 0; i < count; i++) {
    const linkable = titles.slice(Math.max(0, i - 50), i + 50).filter((_, j) => j !== i - Math.max(0, i - 50));
    const { body, features } = buildStorageBody(
      { rng: bodyRng, spaceKey: options.key, pageTitles: linkable, userIds: mentionIds, deployment },
      pickBodySize(bodyRng, i),
    );
    const created = EPOCH + metaRng.int(0, 1400) * DAY + metaRng.int(0, 36_000) * 1000;
    const updated = Math.min(LATEST, created + metaRng.int(0, 400) * DAY + metaRng.int(0, 36_000) * 1000);
    const version = updated === created ? 1 : 2 + Math.min(38, Math.floor(-Math.log(1 - metaRng.next()) * 4));
    const isLeaf = !childCount.has(i) && i > sectionCount + 8;
    const roll = metaRng.next();
    const status: FakePageStatus = !isLeaf
      ? "current"
      : roll < trashedRatio
        ? "trashed"
        : roll < trashedRatio + archivedRatio
          ? "archived"
          : "current";
    const parent = parents[i];
    pages.push({
      id: String(firstId + i),
      title: titles[i] as string,
      parentId: parent === null || parent === undefined ? null : String(firstId + parent),
      status,
      body,
      labels: metaRng.sample(LABELS, metaRng.chance(0.3) ? 0 : metaRng.int(1, 4)).sort(),
      version,
      createdAt: new Date(created).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      createdBy: metaRng.pick(users).accountId,
      authorId: metaRng.pick(users).accountId,
      features: [...features].sort(),
    });
  }
  const extras = extrasRandom(seed);
  const blogPosts = generateBlogPosts(extras.fork(1), {
    count: Math.max(0, Math.floor(options.blogPosts ?? 0)),
    firstId: firstId + count,
    spaceKey: options.key,
    users,
    deployment,
  });
  const commentOptions = options.comments === true ? {} : options.comments || null;
  const comments = commentOptions
    ? generateComments(
        extras.fork(2),
        [
          ...pages.map((page) => ({ ...page, current: page.status === "current" })),
          ...blogPosts.map((post) => ({ ...post, current: true })),
        ],
        { ...commentOptions, firstId: firstId + count + blogPosts.length, users },
      )
    : [];
  return {
    key: options.key,
    name: options.name ?? `${options.key} Space`,
    description: `Generated space ${options.key} (seed ${seed}, ${count} pages).`,
    homepageId: count > 0 ? String(firstId) : null,
    pages,
    users,
    ...(blogPosts.length > 0 ? { blogPosts } : {}),
    ...(comments.length > 0 ? { comments } : {}),
  };
}

/** A generated `DEMO` space of a few hundred pages (the `demo` preset serves the written handbook, `demoHandbook`). */
export function demoSpace(
  options: {
    seed?: number | undefined;
    pages?: number | undefined;
    firstPageId?: number;
    deployment?: Deployment;
  } = {},
): SpaceSeed {
  return generateSpace({
    key: "DEMO",
    name: "Acme Engineering Handbook",
    pages: options.pages ?? 300,
    seed: options.seed ?? 42,
    firstPageId: options.firstPageId ?? 100_000,
    deployment: options.deployment ?? "cloud",
  });
}
