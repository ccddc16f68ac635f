import { z } from "zod";

/**
 * A v1 space as both products send it, checked only for what the source reads. confluence.js's `SpaceSchema` requires
 * `status`, which Data Center 8/9 does not send, so every Data Center space lookup would fail on it.
 */
export const v1SpaceSchema = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  key: z.string(),
  name: z.string(),
  status: z.string().optional(),
  homepage: z.looseObject({ id: z.string().optional() }).optional(),
});

/** `GET /rest/api/space`: a list of {@link v1SpaceSchema}. */
export const v1SpaceArraySchema = z.looseObject({
  results: z.array(v1SpaceSchema),
  _links: z.looseObject({ next: z.string().optional() }).optional(),
});

const optionalString = z.string().optional();
const label = z.looseObject({ name: z.string() });

/**
 * A v1 content object (page or blog post) as the page and ref listings expand it, checked only for the fields
 * `v1Ref` and `v1Page` read. confluence.js's `ContentSchema` checks every documented field and each ancestor as a
 * whole content object again, which for a 250-page listing costs more main-thread time than reading it; every other
 * key passes through unchecked and unread. Dates stay strings; the mapping parses them.
 */
export const v1PageContentSchema = z.looseObject({
  id: optionalString,
  type: optionalString,
  status: optionalString,
  title: optionalString,
  version: z
    .looseObject({
      number: z.number(),
      when: z.string().nullish(),
      by: z.looseObject({ accountId: optionalString, userKey: optionalString, username: optionalString }).optional(),
    })
    .optional(),
  ancestors: z.array(z.looseObject({ id: optionalString, type: optionalString, title: optionalString })).nullish(),
  metadata: z
    .looseObject({ labels: z.union([z.array(label), z.looseObject({ results: z.array(label) })]).optional() })
    .optional(),
  body: z.looseObject({ storage: z.looseObject({ value: optionalString }).optional() }).optional(),
  space: z.looseObject({ key: optionalString }).optional(),
  history: z.looseObject({ createdDate: z.string().nullish() }).optional(),
  _links: z.looseObject({ webui: optionalString }).optional(),
});

/** A v1 content object as {@link v1PageContentSchema} checks it. */
export type V1PageContent = z.output<typeof v1PageContentSchema>;

/** One page of a v1 page or ref listing (`/content` or `/content/search`), checked as {@link v1PageContentSchema}. */
export const v1PageListSchema = z.looseObject({
  results: z.array(v1PageContentSchema),
  limit: z.number().optional(),
  _links: z.looseObject({ next: optionalString, base: optionalString }),
});
