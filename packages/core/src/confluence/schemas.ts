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
