import { createContext, createElement, type ReactNode, useContext } from "react";
import { type ConfluenceClient, createConfluenceClient } from "./client.js";

/** Where the default client expects the router. @default "/api/confluence" */
export const DEFAULT_BASE_URL = "/api/confluence";

const ConfluenceClientContext = createContext<ConfluenceClient | undefined>(undefined);

let defaultClient: ConfluenceClient | undefined;

/** The client the hooks use when none is passed or provided: `createConfluenceClient({ baseUrl: "/api/confluence" })`. */
export function getDefaultConfluenceClient(): ConfluenceClient {
  defaultClient ??= createConfluenceClient({ baseUrl: DEFAULT_BASE_URL });
  return defaultClient;
}

/**
 * Optional: gives every hook below it this client. Without it, hooks use their `client` option or the default
 * client; either way they run on the application's own `QueryClientProvider`.
 */
export function ConfluenceClientProvider(props: { client: ConfluenceClient; children?: ReactNode }) {
  return createElement(ConfluenceClientContext.Provider, { value: props.client }, props.children);
}

/** The client a hook should use: the explicit one, else the provided one, else the default one. */
export function useConfluenceClient(client?: ConfluenceClient): ConfluenceClient {
  const provided = useContext(ConfluenceClientContext);
  return client ?? provided ?? getDefaultConfluenceClient();
}
