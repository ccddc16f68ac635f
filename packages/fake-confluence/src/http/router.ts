import type { Handler } from "./types.js";

/** Which API family a route belongs to; decides the error body shape. */
export type ApiFamily = "v1" | "v2";

export interface CompiledRoute {
  readonly method: string;
  /** Full path template, e.g. `/wiki/api/v2/pages/{id}`; counters are keyed by it. */
  readonly template: string;
  readonly family: ApiFamily;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly handler: Handler;
  /** Answered without the site's credentials (the media store's signed URLs carry their own token). */
  readonly public: boolean;
}

/** Compiles `{name}` path templates under a prefix. */
export function compileRoutes(
  prefix: string,
  family: ApiFamily,
  routes: ReadonlyArray<readonly [string, string, Handler]>,
  options: { readonly public?: boolean } = {},
): CompiledRoute[] {
  return routes.map(([method, pattern, handler]) => {
    const names: string[] = [];
    const template = `${prefix}${pattern}`;
    const source = template
      .split(/(\{[a-zA-Z]+\})/)
      .map((part) => {
        const name = /^\{([a-zA-Z]+)\}$/.exec(part)?.[1];
        if (name) {
          names.push(name);
          return "([^/]+)";
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("");
    return {
      method,
      template,
      family,
      regex: new RegExp(`^${source}/?$`),
      names,
      handler,
      public: options.public ?? false,
    };
  });
}

/** The route matching a path, with its decoded parameters. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  method: string,
  path: string,
): { route: CompiledRoute; params: Record<string, string> } | { route: undefined; family: ApiFamily | undefined } {
  let family: ApiFamily | undefined;
  for (const route of routes) {
    const m = route.regex.exec(path);
    if (!m) continue;
    family = route.family;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? "");
    });
    return { route, params };
  }
  return { route: undefined, family };
}
