import { describe, expect, it } from "vitest";
import { readEventStream, type ServerSentEvent, SseParser } from "./sse.js";

function parse(chunks: string[]): ServerSentEvent[] {
  const events: ServerSentEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.feed(chunk);
  return events;
}

describe("SseParser", () => {
  it("parses named events with ids and skips comments and retry lines", () => {
    const events = parse(['retry: 3000\n\n: keep-alive\n\nid: 1\nevent: operation\ndata: {"a":1}\n\n']);
    expect(events).toEqual([{ event: "operation", data: '{"a":1}', id: "1" }]);
  });

  it("joins multi-line data and defaults the event name to message", () => {
    expect(parse(["data: first\ndata: second\n\n"])).toEqual([
      { event: "message", data: "first\nsecond", id: undefined },
    ]);
  });

  it("handles events split across chunks at any point, CRLF included", () => {
    const text = 'event: progress\r\ndata: {"percent":50}\r\n\r\nevent: progress\r\ndata: {"percent":100}\r\n\r\n';
    const whole = parse([text]);
    expect(whole.map((event) => event.data)).toEqual(['{"percent":50}', '{"percent":100}']);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parse([text.slice(0, cut), text.slice(cut)])).toEqual(whole);
    }
  });

  it("does not dispatch an event whose blank line has not arrived", () => {
    expect(parse(["event: progress\ndata: {}\n"])).toEqual([]);
  });

  it("reads a byte stream whose chunks split a multi-byte character", async () => {
    const bytes = new TextEncoder().encode('event: page-indexed\ndata: {"title":"Übersicht ✓"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 3) controller.enqueue(bytes.slice(i, i + 3));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    await readEventStream(stream, (event) => events.push(event));
    expect(events).toEqual([{ event: "page-indexed", data: '{"title":"Übersicht ✓"}', id: undefined }]);
  });
});
