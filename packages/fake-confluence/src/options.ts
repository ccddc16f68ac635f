import { z } from "zod";
import { authOptionsSchema } from "./auth.js";
import { faultConfigSchema } from "./faults.js";

const spaceKey = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_]{1,255}|~[A-Za-z0-9_.@:+-]{1,255})$/,
    "a Confluence space key (ENG, or ~user for a personal one)",
  );

/** One space to load at start. */
export const spaceSpecSchema = z.union([
  z
    .object({
      /** Space key. */
      key: spaceKey,
      /** @default `${key} Space` */
      name: z.string().min(1).optional(),
      /** Pages to generate, home page included. */
      pages: z.number().int().min(1).max(200_000),
      /** @default the server's seed */
      seed: z.number().int().optional(),
      /** @default 0.02 */
      archivedRatio: z.number().min(0).max(1).optional(),
      /** @default 0.01 */
      trashedRatio: z.number().min(0).max(1).optional(),
      /** Blog posts to generate besides the pages. @default 0 */
      blogPosts: z.number().int().min(0).max(200_000).optional(),
      /** Comments on a share of the pages and blog posts: `true` for the defaults, or how many and of which kinds. */
      comments: z
        .union([
          z.boolean(),
          z
            .object({
              /** @default 0.3 */
              share: z.number().min(0).max(1).optional(),
              /** @default 4 */
              perPage: z.number().int().min(1).max(200).optional(),
              /** @default 0.3 */
              inlineShare: z.number().min(0).max(1).optional(),
              /** @default 0.4 */
              resolvedShare: z.number().min(0).max(1).optional(),
              /** @default 0.25 */
              replyShare: z.number().min(0).max(1).optional(),
            })
            .strict(),
        ])
        .optional(),
    })
    .strict(),
  z
    .object({
      /** The demo engineering handbook (`DEMO`, a few hundred pages; see `demoHandbook`). */
      preset: z.literal("demo"),
      /** @default 300 */
      pages: z.number().int().min(1).max(200_000).optional(),
      /** @default 42 */
      seed: z.number().int().optional(),
    })
    .strict(),
  z
    .object({
      /** Directory with `pages.json` and one storage-format file per page. */
      fromDir: z.string().min(1),
      /** @default the directory name, upper-cased */
      key: spaceKey.optional(),
      name: z.string().min(1).optional(),
    })
    .strict(),
]);

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Options of {@link startFakeConfluence}, validated with zod; errors name the field. */
export const fakeConfluenceOptionsSchema = z
  .object({
    /** Which product to imitate. @default "cloud" */
    deployment: z.enum(["cloud", "datacenter"]).default("cloud"),
    /** Interface to listen on. @default "127.0.0.1" */
    host: z.string().min(1).default("127.0.0.1"),
    /** Port; 0 picks a free one. @default 0 */
    port: z.number().int().min(0).max(65_535).default(0),
    /** Data Center context path such as `/confluence`; Cloud always uses `/wiki`. @default "" */
    contextPath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)*$/, "empty or a path like /confluence")
      .default(""),
    /** Seed of generated spaces, users and fault decisions. @default 1 */
    seed: z.number().int().default(1),
    /** Spaces to load, in order. @default [{ key: "ENG", pages: 200 }] */
    spaces: z.array(spaceSpecSchema).default([{ key: "ENG", pages: 200 }]),
    /** Accepted credentials. @default the deployment's {@link defaultCredentials} */
    auth: authOptionsSchema.optional(),
    /** Faults active from the start. @default none */
    faults: faultConfigSchema.optional(),
    /** IANA time zone of the API user; CQL dates are read in it. @default "UTC" */
    timeZone: z.string().refine(isTimeZone, "an IANA time zone such as Europe/Berlin").default("UTC"),
    /** Most request-log entries kept (oldest dropped first). @default 10000 */
    requestLogLimit: z.number().int().min(0).default(10_000),
    /**
     * Serve a read-only HTML view of each page at its web UI URL, without credentials, so a demo's "Open in
     * Confluence" links open something readable. @default false
     */
    readablePages: z.boolean().default(false),
    /** Clock for mutation timestamps. @default () => new Date() */
    now: z.custom<() => Date>((value) => typeof value === "function", "a function returning a Date").optional(),
  })
  .strict();

/** Options as callers write them. */
export type FakeConfluenceOptions = z.input<typeof fakeConfluenceOptionsSchema>;
/** One entry of {@link FakeConfluenceOptions.spaces}. */
export type SpaceSpec = z.input<typeof spaceSpecSchema>;
