import { ConfluenceSyncError, describeError } from "../errors.js";
import { EmbeddingConnectionError, EmbeddingHTTPError } from "./openai-http.js";

/** Where a request went and what to keep out of messages. */
export interface EndpointContext {
  /** Origin and path of the base URL, without credentials or query. */
  readonly endpoint: string;
  readonly model: string;
  readonly dimensions: number;
  /** Values that must never appear in an error: the API key, secret headers. */
  readonly secrets: readonly string[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bad(context: EndpointContext, problem: string): ConfluenceSyncError {
  return new ConfluenceSyncError(
    "EMBED_BAD_RESPONSE",
    `The embeddings endpoint ${context.endpoint} (model "${context.model}") ${problem}; nothing was stored.`,
  );
}

function dimensionMismatch(context: EndpointContext, got: number): ConfluenceSyncError {
  return new ConfluenceSyncError(
    "EMBED_DIMENSION_MISMATCH",
    `The embeddings endpoint ${context.endpoint} returned ${got}-dimensional vectors for model "${context.model}", ` +
      `but the embedder is configured for ${context.dimensions}. Set dimensions to the model's vector length ` +
      `(the store's vector column must match), or pick a model that returns ${context.dimensions}.`,
  );
}

function decodeVector(raw: unknown, position: number, context: EndpointContext): number[] {
  let vector: number[];
  if (typeof raw === "string") {
    if (!BASE64.test(raw)) throw bad(context, `sent vector ${position} as a string that is not base64`);
    const bytes = Buffer.from(raw, "base64");
    if (bytes.length % 4 !== 0) {
      throw bad(context, `sent vector ${position} as ${bytes.length} base64 bytes, not a whole number of float32`);
    }
    if (bytes.length / 4 !== context.dimensions) throw dimensionMismatch(context, bytes.length / 4);
    vector = new Array(context.dimensions);
    for (let d = 0; d < context.dimensions; d++) vector[d] = bytes.readFloatLE(d * 4);
  } else if (Array.isArray(raw)) {
    if (raw.length !== context.dimensions) throw dimensionMismatch(context, raw.length);
    vector = raw as number[];
  } else {
    throw bad(context, `sent vector ${position} as ${raw === null ? "null" : typeof raw}, not a list of numbers`);
  }
  for (let d = 0; d < vector.length; d++) {
    const x = vector[d];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw bad(context, `sent a non-finite value (${String(x)}) at position ${d} of vector ${position}`);
    }
  }
  return vector;
}

/**
 * Checks an embeddings response and returns its vectors in input order: exactly one per input, placed by `index`,
 * each of `context.dimensions` finite numbers, as float lists or base64 float32 (little-endian).
 */
export function readEmbeddingResponse(
  response: unknown,
  inputs: number,
  context: EndpointContext,
): { vectors: number[][]; tokens: number | undefined } {
  const data = (response as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw bad(context, "answered without a data list");
  if (data.length !== inputs) throw bad(context, `returned ${data.length} vectors for ${inputs} inputs`);
  const vectors: number[][] = new Array(inputs);
  const indexed = data.every((item) => typeof (item as { index?: unknown })?.index === "number");
  for (let position = 0; position < data.length; position++) {
    const item = data[position] as { index?: unknown; embedding?: unknown } | null;
    if (item === null || typeof item !== "object") throw bad(context, `sent item ${position} that is not an object`);
    const index = indexed ? (item.index as number) : position;
    if (!Number.isInteger(index) || index < 0 || index >= inputs) {
      throw bad(context, `sent index ${String(item.index)} for a request of ${inputs} inputs`);
    }
    if (vectors[index] !== undefined) throw bad(context, `sent index ${index} twice`);
    vectors[index] = decodeVector(item.embedding, index, context);
  }
  const usage = (response as { usage?: { prompt_tokens?: unknown; total_tokens?: unknown } }).usage;
  const billed = usage?.prompt_tokens ?? usage?.total_tokens;
  const tokens = typeof billed === "number" && Number.isFinite(billed) && billed >= 0 ? billed : undefined;
  return { vectors, tokens };
}

/** Replaces every secret, and anything shaped like an OpenAI-style key, with `[redacted]`. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out
    .replace(/\b(sk|key|rk)-[A-Za-z0-9_*.-]{4,}/g, "$1-[redacted]")
    .replace(/Bearer\s+\S+/gi, "Bearer [redacted]");
}

/** What can go in `cause`: the status and ids of a failed request, never its body or headers. */
function causeOf(error: unknown): unknown {
  if (error instanceof EmbeddingHTTPError) {
    return { status: error.status, code: error.code, type: error.type, requestId: error.requestID };
  }
  return error instanceof Error ? { name: error.name } : undefined;
}

/** Why a connection failed, e.g. `: fetch failed (ECONNREFUSED)`; empty when nothing useful is known. */
function connectionReason(cause: unknown): string {
  if (!(cause instanceof Error)) return "";
  const inner = cause.cause as { code?: unknown } | undefined;
  const code = typeof inner?.code === "string" ? ` (${inner.code})` : "";
  return `: ${cause.message}${code}`;
}

/** Turns a failed request into a coded error with a message that says what to do, free of secrets. */
export function toEmbedError(error: unknown, context: EndpointContext, attempts: number): ConfluenceSyncError {
  const where = `The embeddings endpoint ${context.endpoint}`;
  const tries = attempts === 1 ? "1 attempt" : `${attempts} attempts`;
  const cause = causeOf(error);
  const make = (message: string, retryable: boolean) =>
    new ConfluenceSyncError("EMBED_FAILED", redact(message, context.secrets), { cause, retryable });
  if (error instanceof SyntaxError) {
    return new ConfluenceSyncError(
      "EMBED_BAD_RESPONSE",
      `${where} (model "${context.model}") answered with something that is not JSON; nothing was stored.`,
      { cause },
    );
  }
  if (error instanceof EmbeddingConnectionError && error.timeout) {
    return make(`${where} did not answer in time (${tries}).`, true);
  }
  if (error instanceof EmbeddingConnectionError) {
    const reason = connectionReason(error.cause);
    return make(`${where} could not be reached (${tries})${reason}. Check baseURL and the network.`, true);
  }
  if (error instanceof EmbeddingHTTPError) {
    const status = error.status;
    const detail = (error.error as { message?: unknown } | undefined)?.message;
    const said = typeof detail === "string" && detail !== "" ? `: ${detail}` : "";
    if (status === 401 || status === 403) {
      // The provider's message often quotes part of the key, so it is left out.
      return make(`${where} rejected the API key (${status}). Check apiKey (OPENAI_API_KEY for OpenAI).`, false);
    }
    if (status === 404) {
      return make(
        `${where} has no model "${context.model}" or no embeddings route (404)${said}. Check model and baseURL.`,
        false,
      );
    }
    if (status === 429 && error.code === "insufficient_quota") {
      return make(`${where} refused the request: the account's quota is used up (429 insufficient_quota).`, false);
    }
    if (status === 429) return make(`${where} was still rate limiting after ${tries} (429)${said}.`, true);
    if (status >= 500) return make(`${where} failed with ${status} after ${tries}${said}.`, true);
    return make(`${where} rejected the request (${status})${said}.`, false);
  }
  return make(`${where} request failed: ${describeError(error)}`, false);
}

/** Whether a failed request may succeed when sent again. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof EmbeddingConnectionError) return true; // includes timeouts, not user aborts
  if (!(error instanceof EmbeddingHTTPError)) return false;
  const hint = error.headers.get("x-should-retry");
  if (hint === "true") return true;
  if (hint === "false") return false;
  if (error.status === 429) return error.code !== "insufficient_quota";
  return error.status === 408 || error.status === 409 || error.status >= 500;
}
