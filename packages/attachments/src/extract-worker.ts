/** Worker-thread entry of the extractor pool: one file at a time, answered by id. */
import { parentPort } from "node:worker_threads";
import type { AttachmentFile } from "@archon/confluence-core";
import { extractBinary } from "./extract.js";

/** One file, as the pool posts it. */
export interface ExtractRequest {
  readonly id: number;
  readonly file: AttachmentFile;
}

const port = parentPort;
if (port) {
  port.on("message", (request: ExtractRequest) => {
    extractBinary(request.file).then(
      (result) => port.postMessage({ id: request.id, result }),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          result: {
            kind: "skipped",
            reason: "corrupt",
            message: `The file cannot be read: ${error instanceof Error ? error.message : "unknown error"}`,
          },
        }),
    );
  });
}
