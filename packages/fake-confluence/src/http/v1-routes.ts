import type { Handler } from "./types.js";

/** v1 REST routes, relative to `/wiki/rest/api` (Cloud) or `<context>/rest/api` (Data Center). */
export const v1Routes: ReadonlyArray<readonly [method: string, pattern: string, handler: Handler]> = [];
