/** One Server-Sent Event as parsed from a `text/event-stream` body. */
export interface ServerSentEvent {
  /** `message` when the server named none. */
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * An incremental `text/event-stream` parser (the WHATWG rules that matter here: `event`, `data`, `id`, comments,
 * any line ending). Feed it chunks as they arrive; it calls `onEvent` for each complete event.
 */
export class SseParser {
  #buffer = "";
  #event = "";
  #data: string[] = [];
  #id: string | undefined;
  #sawCr = false;
  readonly #onEvent: (event: ServerSentEvent) => void;

  constructor(onEvent: (event: ServerSentEvent) => void) {
    this.#onEvent = onEvent;
  }

  /** Parses a chunk; a partial last line waits for the next chunk. */
  feed(chunk: string): void {
    let text = chunk;
    // A "\r\n" split across two chunks: the "\r" already ended the line.
    if (this.#sawCr && text.startsWith("\n")) text = text.slice(1);
    this.#sawCr = text.endsWith("\r");
    this.#buffer += text;
    const lines = this.#buffer.split(/\r\n|\r|\n/);
    this.#buffer = lines.pop() ?? "";
    for (const line of lines) this.#line(line);
  }

  #line(line: string): void {
    if (line === "") {
      this.#dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.#event = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id" && !value.includes("\0")) this.#id = value;
  }

  #dispatch(): void {
    if (this.#data.length > 0) {
      this.#onEvent({ event: this.#event || "message", data: this.#data.join("\n"), id: this.#id });
    }
    this.#event = "";
    this.#data = [];
  }
}

/** Reads a streaming body to its end, feeding each decoded chunk to the parser. */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: ServerSentEvent) => void,
): Promise<void> {
  const parser = new SseParser(onEvent);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
    parser.feed(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
