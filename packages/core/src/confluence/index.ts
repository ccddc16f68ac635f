export type { ConfluenceDeployment, ConfluenceSourceConfig, ResolvedSourceConfig } from "./config.js";
export { confluenceSourceConfigSchema, resolveSourceConfig } from "./config.js";
export { ConfluenceJsSource, createConfluenceSource } from "./confluence-js-source.js";
export { cqlString, formatCqlDate } from "./cql.js";
export { backoffDelay, parseRetryAfter } from "./retry-policy.js";
export type { ConfluenceFetch } from "./transport.js";
