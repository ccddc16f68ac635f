/**
 * Worker-thread entry of {@link ConvertPool}: converts and chunks pages off the main event loop. It keeps one
 * converter/chunker pair per spec, since every page of a sync uses the same one.
 */
import { parentPort } from "node:worker_threads";
import type { Chunker } from "../ports/chunker.js";
import type { Converter } from "../ports/converter.js";
import {
  buildFromSpec,
  type ConvertSpec,
  convertAndChunk,
  type PortableContext,
  toConvertContext,
} from "./convert-task.js";

/** One page to convert, as the pool posts it. */
export interface ConvertRequest {
  readonly id: number;
  readonly spec: ConvertSpec;
  readonly body: string;
  readonly context: PortableContext;
}

const built = new Map<string, { converter: Converter; chunker: Chunker }>();

function pair(spec: ConvertSpec) {
  const key = JSON.stringify(spec);
  let found = built.get(key);
  if (!found) {
    found = buildFromSpec(spec);
    built.set(key, found);
  }
  return found;
}

const port = parentPort;
if (port) {
  port.on("message", (request: ConvertRequest) => {
    try {
      const { converter, chunker } = pair(request.spec);
      const context = toConvertContext(request.context);
      const output = convertAndChunk(converter, chunker, request.body, { ...context, title: request.context.title });
      port.postMessage({ id: request.id, ok: true, output });
    } catch (error) {
      port.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : "unknown error" });
    }
  });
  port.postMessage({ ready: true });
}
