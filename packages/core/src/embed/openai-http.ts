/**
 * The one HTTP call of the OpenAI-compatible embedder, on the platform's `fetch`: `POST {baseURL}/embeddings`.
 * Failures come back as {@link EmbeddingHTTPError} (the server answered with an error status) or
 * {@link EmbeddingConnectionError} (no answer, or none in time); the embedder decides what to retry.
 */

/** The request body of `POST /embeddings`. */
export interface EmbeddingRequestBody {
  readonly model: string;
  readonly input: string[];
  readonly encoding_format: "base64" | "float";
  readonly dimensions?: number;
}

/**
 * The part of an OpenAI SDK client (`new OpenAI()`, `new AzureOpenAI()`) the embedder uses, for callers who bring
 * their own, e.g. Azure with Entra ID tokens. The `openai` package itself is not a dependency.
 */
export interface OpenAICompatibleClient {
  readonly embeddings: {
    create(
      body: EmbeddingRequestBody,
      options?: { signal?: AbortSignal; maxRetries?: number; timeout?: number },
    ): PromiseLike<unknown>;
  };
  /** The SDK's copy-with-options; used to turn its own retries off. */
  withOptions?(options: { maxRetries?: number; timeout?: number }): OpenAICompatibleClient;
  readonly baseURL?: string;
  readonly apiKey?: unknown;
}

/** The server answered with an error status. */
export class EmbeddingHTTPError extends Error {
  /** `error.code` of the body, e.g. `insufficient_quota`. */
  readonly code: string | undefined;
  readonly type: string | undefined;
  readonly requestID: string | undefined;
  constructor(
    readonly status: number,
    readonly headers: Headers,
    /** The `error` object of the body, when it had one. */
    readonly error: { message?: unknown; code?: unknown; type?: unknown } | undefined,
  ) {
    super(`embeddings request failed with ${status}`);
    this.name = "EmbeddingHTTPError";
    this.code = typeof error?.code === "string" ? error.code : undefined;
    this.type = typeof error?.type === "string" ? error.type : undefined;
    this.requestID = headers.get("x-request-id") ?? undefined;
  }
}

/** The request got no answer: network error, refused connection, or no answer within the timeout. */
export class EmbeddingConnectionError extends Error {
  constructor(
    readonly timeout: boolean,
    cause?: unknown,
  ) {
    super(timeout ? "embeddings request timed out" : "embeddings request could not connect", { cause });
    this.name = "EmbeddingConnectionError";
  }
}

export interface EmbeddingRequestConfig {
  /** Without a trailing slash, e.g. `https://api.openai.com/v1`. */
  readonly baseURL: string;
  readonly apiKey: string | undefined;
  readonly organization?: string;
  readonly project?: string;
  /** Sent last, so they can replace any header above (e.g. Azure's `api-key`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

function errorObject(body: string): EmbeddingHTTPError["error"] {
  try {
    const parsed = JSON.parse(body) as { error?: unknown } | null;
    const error = parsed?.error;
    if (error !== null && typeof error === "object") return error as EmbeddingHTTPError["error"];
    // Some compatible servers answer `{ "error": "text" }` or `{ "message": "text" }`.
    if (typeof error === "string") return { message: error };
    const message = (parsed as { message?: unknown } | null)?.message;
    return typeof message === "string" ? { message } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends one embeddings request and returns the parsed JSON body of a 2xx answer. Rejects with
 * {@link EmbeddingHTTPError}, {@link EmbeddingConnectionError}, a `SyntaxError` for a body that is not JSON, or the
 * abort reason of `signal`.
 */
export async function postEmbeddings(
  config: EmbeddingRequestConfig,
  body: EmbeddingRequestBody,
  signal: AbortSignal,
): Promise<unknown> {
  const url = new URL(`${config.baseURL.replace(/\/+$/, "")}/embeddings`);
  for (const [name, value] of Object.entries(config.query ?? {})) url.searchParams.set(name, value);
  const headers = new Headers({ "content-type": "application/json", accept: "application/json" });
  if (config.apiKey) headers.set("authorization", `Bearer ${config.apiKey}`);
  if (config.organization) headers.set("openai-organization", config.organization);
  if (config.project) headers.set("openai-project", config.project);
  for (const [name, value] of Object.entries(config.headers ?? {})) headers.set(name, value);

  const timeout = AbortSignal.timeout(config.timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  const failed = (error: unknown): never => {
    if (signal.aborted) throw signal.reason;
    throw new EmbeddingConnectionError(timeout.aborted, error);
  };
  let response: Response;
  let text: string;
  try {
    response = await (config.fetch ?? fetch)(url, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
      signal: combined,
    });
    text = await response.text();
  } catch (error) {
    return failed(error);
  }
  if (!response.ok) throw new EmbeddingHTTPError(response.status, response.headers, errorObject(text));
  return JSON.parse(text);
}

/**
 * Maps what an OpenAI SDK client throws onto this module's errors, without importing the SDK: an error with a
 * numeric `status` and `headers` is an HTTP error, the SDK's connection errors are connection errors.
 */
export function fromClientError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const candidate = error as Error & { status?: unknown; headers?: unknown; error?: unknown };
  const headers = candidate.headers;
  if (typeof candidate.status === "number" && headers instanceof Headers) {
    const body = candidate.error;
    return new EmbeddingHTTPError(
      candidate.status,
      headers,
      body !== null && typeof body === "object" ? (body as EmbeddingHTTPError["error"]) : undefined,
    );
  }
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; ) {
    const name = (proto.constructor as { name?: string } | undefined)?.name;
    if (name === "APIConnectionTimeoutError") return new EmbeddingConnectionError(true, error.cause);
    if (name === "APIConnectionError") return new EmbeddingConnectionError(false, error.cause);
    proto = Object.getPrototypeOf(proto);
  }
  return error;
}
