import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { countTokens } from "gpt-tokenizer/encoding/cl100k_base";
import { HashingEmbedder } from "./hashing-embedder.js";

/** A scripted answer for one upcoming request; see {@link FakeOpenAIServer.respondNext}. */
export type FakeOpenAIResponse =
  /** Answer with this status, headers and JSON body instead of embeddings (e.g. a 429 with `retry-after`). */
  | { readonly status: number; readonly headers?: Readonly<Record<string, string>>; readonly body?: unknown }
  /** Answer with embeddings, damaged in this way. */
  | {
      readonly damage:
        | "fewer-vectors"
        | "wrong-dimension"
        | "nan"
        | "shuffled"
        | "duplicate-index"
        | "no-usage"
        | "bad-base64"
        | "not-json";
    }
  /** Answer normally, after this many milliseconds. */
  | { readonly delayMs: number };

export interface FakeOpenAIServerOptions {
  /** When set, requests must carry `Authorization: Bearer <apiKey>`; others get a 401 that echoes the key. */
  readonly apiKey?: string;
  /** Vector length when a request has no `dimensions`. @default 1536 */
  readonly defaultDimensions?: number;
  /** Vector length per model when a request has no `dimensions`, e.g. `{ "nomic-embed-text": 768 }`. */
  readonly modelDimensions?: Readonly<Record<string, number>>;
  /** Rejects (400) requests with more inputs. @default 2048 */
  readonly maxInputs?: number;
  /** Rejects (400) requests whose inputs add up to more cl100k tokens. @default 300000 */
  readonly maxRequestTokens?: number;
  /** Rejects (400) any input longer than this many cl100k tokens. @default 8192 */
  readonly maxInputTokens?: number;
  /** Delay before every answer, so tests can observe concurrency. @default 0 */
  readonly delayMs?: number;
}

/** One request as the server received it. */
export interface FakeOpenAIServerRequest {
  readonly model: string;
  readonly input: readonly string[];
  /** cl100k token count of each input. */
  readonly tokens: readonly number[];
  readonly dimensions: number | undefined;
  readonly encodingFormat: string | undefined;
  readonly authorization: string | undefined;
  /** Path and query, e.g. `/v1/embeddings` or Azure's `/openai/deployments/x/embeddings?api-version=...`. */
  readonly url: string;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Status the server answered with. */
  status: number;
}

/**
 * A local HTTP server speaking the OpenAI embeddings API (`POST /v1/embeddings`, or any path ending in
 * `/embeddings`), with its limits (inputs, tokens
 * per request, tokens per input, no empty strings), `float` and `base64` (little-endian float32) encodings, usage
 * counts, and scripted faults. Vectors are deterministic per model, dimension and text.
 */
export class FakeOpenAIServer {
  /** Every request received, in order. */
  readonly requests: FakeOpenAIServerRequest[] = [];
  /** Most requests ever handled at the same time. */
  maxInFlight = 0;
  #inFlight = 0;
  #busySince = 0;
  #busyMs = 0;
  readonly #server: Server;
  readonly #options: FakeOpenAIServerOptions;
  readonly #script: FakeOpenAIResponse[] = [];
  readonly #embedders = new Map<number, HashingEmbedder>();

  private constructor(server: Server, options: FakeOpenAIServerOptions) {
    this.#server = server;
    this.#options = options;
  }

  /** Starts a server on a free local port. */
  static async start(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
    const server = createServer();
    const fake = new FakeOpenAIServer(server, options);
    server.on("request", (req, res) => {
      if (fake.#inFlight === 0) fake.#busySince = performance.now();
      fake.#inFlight++;
      fake.maxInFlight = Math.max(fake.maxInFlight, fake.#inFlight);
      fake
        .#handle(req, res)
        .catch((error: unknown) => {
          res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: String(error), type: "server_error" } }));
        })
        .finally(() => {
          fake.#inFlight--;
          if (fake.#inFlight === 0) fake.#busyMs += performance.now() - fake.#busySince;
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  /** Milliseconds during which at least one request was being handled: how long the provider was busy. */
  get busyMs(): number {
    return this.#busyMs + (this.#inFlight > 0 ? performance.now() - this.#busySince : 0);
  }

  /** Base URL to hand to the OpenAI SDK, ending in `/v1`. */
  get baseURL(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** The next requests get these answers, one each, in order; later requests are answered normally. */
  respondNext(...responses: FakeOpenAIResponse[]): this {
    this.#script.push(...responses);
    return this;
  }

  /** The vector the server returns for `text` (already rounded to float32). */
  async vectorFor(text: string, dimensions = this.#options.defaultDimensions ?? 1536): Promise<number[]> {
    const { embeddings } = await this.#embedder(dimensions).embed([text]);
    return embeddings[0]!.map(Math.fround);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #embedder(dimensions: number): HashingEmbedder {
    let embedder = this.#embedders.get(dimensions);
    if (!embedder) {
      embedder = new HashingEmbedder({ dimensions, maxBatchSize: 1_000_000 });
      this.#embedders.set(dimensions, embedder);
    }
    return embedder;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (record) record.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    const invalid = (message: string) => send(400, { error: { message, type: "invalid_request_error" } });
    let record: FakeOpenAIServerRequest | undefined;
    // Any path ending in /embeddings, so Azure's deployment-scoped routes work too.
    if (req.method !== "POST" || !req.url?.split("?")[0]?.endsWith("/embeddings")) {
      return send(404, { error: { message: `No route ${req.method} ${req.url}`, type: "invalid_request_error" } });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    const input = typeof body.input === "string" ? [body.input] : (body.input as unknown[]);
    const texts = Array.isArray(input) ? input.map(String) : [];
    const tokens = texts.map((text) => countTokens(text));
    record = {
      model: String(body.model),
      input: texts,
      tokens,
      dimensions: typeof body.dimensions === "number" ? body.dimensions : undefined,
      encodingFormat: typeof body.encoding_format === "string" ? body.encoding_format : undefined,
      authorization: req.headers.authorization,
      url: req.url,
      headers: req.headers,
      status: 0,
    };
    this.requests.push(record);

    const key = this.#options.apiKey;
    if (key !== undefined && req.headers.authorization !== `Bearer ${key}`) {
      const given = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
      const body401 = { error: { message: `Incorrect API key provided: ${given}.`, code: "invalid_api_key" } };
      return send(401, body401);
    }
    const scripted = this.#script.shift();
    if (this.#options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.#options.delayMs));
    if (scripted && "status" in scripted) return send(scripted.status, scripted.body ?? {}, { ...scripted.headers });
    if (scripted && "delayMs" in scripted) await new Promise((resolve) => setTimeout(resolve, scripted.delayMs));

    if (!Array.isArray(input) || texts.length === 0) return invalid("'$.input' is invalid.");
    if (texts.length > (this.#options.maxInputs ?? 2048)) return invalid("'$.input' must have at most 2048 items.");
    if (texts.some((text) => text === "")) return invalid("'$.input' is invalid: empty strings are not allowed.");
    const perInput = this.#options.maxInputTokens ?? 8192;
    const longest = Math.max(...tokens);
    if (longest > perInput) {
      return invalid(`This model's maximum context length is ${perInput} tokens, however you requested ${longest}.`);
    }
    const total = tokens.reduce((sum, n) => sum + n, 0);
    const perRequest = this.#options.maxRequestTokens ?? 300_000;
    if (total > perRequest) return invalid(`Requested ${total} tokens, max ${perRequest} tokens per request`);

    const dimensions =
      record.dimensions ?? this.#options.modelDimensions?.[record.model] ?? this.#options.defaultDimensions ?? 1536;
    const { embeddings } = await this.#embedder(dimensions).embed(texts);
    const damage = scripted && "damage" in scripted ? scripted.damage : undefined;
    if (damage === "not-json") return send(200, "<html>upstream proxy error</html>");
    if (damage === "wrong-dimension") for (const vector of embeddings) vector.push(0.5);
    if (damage === "nan") embeddings[embeddings.length - 1]![0] = Number.NaN;
    const base64 = record.encodingFormat === "base64";
    let data = embeddings.map((vector, index) => ({
      object: "embedding",
      index,
      embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector.map(Math.fround),
    }));
    if (damage === "fewer-vectors") data = data.slice(0, -1);
    if (damage === "shuffled") data.reverse();
    if (damage === "duplicate-index" && data.length > 1) data[1]!.index = 0;
    if (damage === "bad-base64" && data[0]) data[0].embedding = "AAA=";
    const usage = damage === "no-usage" ? undefined : { prompt_tokens: total, total_tokens: total };
    // A NaN survives base64 as float32 bytes; in JSON it becomes null, which is just as wrong.
    send(200, { object: "list", data, model: record.model, usage });
  }
}
