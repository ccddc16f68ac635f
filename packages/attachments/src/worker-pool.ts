import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { AttachmentExtraction, AttachmentFile } from "@archon/confluence-core";
import type { ExtractRequest } from "./extract-worker.js";

/** Settings of an {@link ExtractPool}. */
export interface ExtractPoolOptions {
  /** Worker threads; each reads one file at a time. @default half the cores, at least 1, at most 4 */
  readonly workers?: number;
  /** Heap limit of each worker in MiB: a file that needs more ends its worker, not the process. @default 512 */
  readonly maxHeapMb?: number;
}

interface Slot {
  worker: Worker;
  busy: boolean;
}

interface Job {
  readonly file: AttachmentFile;
  readonly budgetMs: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (result: AttachmentExtraction) => void;
  readonly reject: (error: unknown) => void;
}

/** The worker entry: the built `.js` beside this file, or under tsx (tests) the `.ts` source. */
function workerEntry(): { url: URL; execArgv?: string[] } {
  if (import.meta.url.endsWith(".ts")) {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    return { url: new URL("./extract-worker.ts", import.meta.url), execArgv: ["--import", pathToFileURL(tsx).href] };
  }
  return { url: new URL("./extract-worker.js", import.meta.url) };
}

/**
 * Reads files on worker threads, off the event loop, with a time budget per file: a file over budget is answered
 * `timeout` and its worker is ended and replaced, so a pathological file costs at most its budget. A worker that dies
 * (out of memory, crash) answers `corrupt` for its file. Workers start on first use and are unref'd.
 */
export class ExtractPool {
  readonly #size: number;
  readonly #maxHeapMb: number;
  readonly #entry = workerEntry();
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ExtractPoolOptions = {}) {
    this.#size = options.workers ?? Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2)));
    this.#maxHeapMb = options.maxHeapMb ?? 512;
  }

  run(file: AttachmentFile, budgetMs: number, signal?: AbortSignal): Promise<AttachmentExtraction> {
    if (this.#closed) return Promise.reject(new Error("The extractor pool is closed."));
    return new Promise((resolve, reject) => {
      this.#queue.push({ file, budgetMs, signal, resolve, reject });
      this.#pump();
    });
  }

  /** Ends every worker; pending files are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error("The extractor pool was closed."));
    await Promise.all(this.#slots.splice(0).map((slot) => slot.worker.terminate()));
  }

  #spawn(): Slot {
    const worker = new Worker(this.#entry.url, {
      ...(this.#entry.execArgv ? { execArgv: this.#entry.execArgv } : {}),
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
    });
    worker.unref();
    const slot: Slot = { worker, busy: false };
    this.#slots.push(slot);
    return slot;
  }

  #retire(slot: Slot): void {
    const index = this.#slots.indexOf(slot);
    if (index >= 0) this.#slots.splice(index, 1);
    void slot.worker.terminate();
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let slot = this.#slots.find((s) => !s.busy);
      if (!slot && this.#slots.length < this.#size) slot = this.#spawn();
      if (!slot) return;
      this.#start(slot, this.#queue.shift() as Job);
    }
  }

  #start(slot: Slot, job: Job): void {
    if (job.signal?.aborted) {
      job.reject(job.signal.reason);
      return;
    }
    slot.busy = true;
    const id = this.#nextId++;
    const { worker } = slot;
    let settled = false;
    const finish = (outcome: { result: AttachmentExtraction } | { error: unknown }, keepWorker: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      job.signal?.removeEventListener("abort", onAbort);
      if (keepWorker) slot.busy = false;
      else this.#retire(slot);
      if ("result" in outcome) job.resolve(outcome.result);
      else job.reject(outcome.error);
      this.#pump();
    };
    const onMessage = (message: { id: number; result: AttachmentExtraction }) => {
      if (message.id === id) finish({ result: message.result }, true);
    };
    const died = (why: string) => ({
      result: { kind: "skipped", reason: "corrupt", message: `Reading ${job.file.fileName} ${why}.` } as const,
    });
    const onError = (error: Error) => finish(died(`failed: ${error.message}`), false);
    const onExit = () => finish(died("ended its worker (out of memory?)"), false);
    const onAbort = () => finish({ error: job.signal?.reason }, false);
    const timer = setTimeout(
      () =>
        finish(
          {
            result: {
              kind: "skipped",
              reason: "timeout",
              message: `Reading ${job.file.fileName} took longer than ${job.budgetMs} ms (content.attachments.timeBudgetMs).`,
            },
          },
          false,
        ),
      job.budgetMs,
    );
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    job.signal?.addEventListener("abort", onAbort, { once: true });
    const request: ExtractRequest = { id, file: job.file };
    worker.postMessage(request);
  }
}
