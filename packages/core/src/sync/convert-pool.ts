import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
// Node's own URL: a test environment (jsdom) may replace the global one, which Worker does not accept.
import { pathToFileURL, URL } from "node:url";
import { Worker } from "node:worker_threads";
import { ConfluenceSyncError } from "../errors.js";
import type { ConvertOutput, ConvertSpec, PortableContext } from "./convert-task.js";
import type { ConvertRequest } from "./convert-worker.js";

/** Options of {@link ConvertPool}. */
export interface ConvertPoolOptions {
  /**
   * Worker threads at most. The first starts on first use (or {@link ConvertPool.warm}); each further one when pages
   * have waited 50 ms for the running ones, or wait behind a page that runs long. @default os.availableParallelism()
   */
  readonly size?: number;
  /**
   * Heap cap of each worker thread, in MB (V8's old generation): a page whose conversion needs more stops its worker,
   * fails with `PAGE_TOO_COMPLEX`, and a fresh worker takes the next page. @default 512
   */
  readonly maxHeapMb?: number;
  /** @internal Worker script and its Node flags; the default is this package's convert worker. */
  readonly worker?: { readonly url: URL; readonly execArgv?: string[] };
}

/** Thrown by {@link ConvertPool.run} when no worker thread can start (e.g. the worker file was bundled away). */
export class ConvertPoolUnavailableError extends Error {
  constructor(reason: string) {
    super(`The conversion worker could not start: ${reason}`);
    this.name = "ConvertPoolUnavailableError";
  }
}

interface Job {
  readonly request: ConvertRequest;
  /** Resolved or rejected already: a later reply for it is dropped. */
  settled: boolean;
  /** Handed to a second worker because it waited behind a page that runs long. */
  moved: boolean;
  readonly budgetMs: number;
  readonly resolve: (output: ConvertOutput) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Pages posted to the worker, in order: the first is running, the others wait in its message queue. */
  readonly jobs: Job[];
  /** The time budget of the running page. */
  timer: NodeJS.Timeout | undefined;
  /** When the running page started, as far as this thread knows (when the one before it came back). */
  startedAt: number;
}

type WorkerReply =
  | { ready: true }
  | { id: number; ok: true; output: ConvertOutput }
  | { id: number; ok: false; error: string };

/**
 * Converts and chunks pages on worker threads, so the heaviest page never blocks the event loop: health checks,
 * progress and cancellation keep answering. A page that runs past its time budget has its worker stopped (and
 * replaced) and fails with `PAGE_TOO_COMPLEX`, as does one that outgrows the worker's heap cap. Idle workers do not keep
 * the process alive.
 *
 * Each worker gets its next page while it still converts one, so it never waits for this thread to answer (a busy
 * event loop would otherwise leave the workers idle between pages). A page that waited behind one running longer than
 * {@link MOVE_AFTER_MS} goes to the next idle worker instead; the first answer for a page wins.
 */
export class ConvertPool {
  readonly size: number;
  readonly #worker: { readonly url: URL; readonly execArgv?: string[] };
  readonly #maxHeapMb: number;
  readonly #slots = new Set<Slot>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #unavailable: string | undefined;
  /** Set while a check for pages still waiting (and so for another worker) is pending. */
  #growCheck: NodeJS.Timeout | undefined;

  constructor(options: ConvertPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? availableParallelism()));
    this.#worker = options.worker ?? defaultWorker();
    const heap = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
    if (!Number.isFinite(heap) || heap < 8) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `ConvertPool: maxHeapMb must be a number of MB >= 8, not ${heap}.`,
      );
    }
    this.#maxHeapMb = Math.floor(heap);
  }

  /** Why no worker can start, once that is known; the caller should then convert on its own thread. */
  get unavailable(): string | undefined {
    return this.#unavailable;
  }

  /**
   * Converts and chunks one page on a worker. Rejects with `PAGE_TOO_COMPLEX` after `budgetMs` of work (time spent
   * queued does not count), `SYNC_ABORTED` when the signal aborts, `CONVERT_FAILED` when the worker fails, and
   * {@link ConvertPoolUnavailableError} when no worker can start.
   */
  run(
    spec: ConvertSpec,
    body: string,
    context: PortableContext,
    options: { readonly budgetMs: number; readonly signal?: AbortSignal },
  ): Promise<ConvertOutput> {
    if (this.#unavailable !== undefined) return Promise.reject(new ConvertPoolUnavailableError(this.#unavailable));
    if (options.signal?.aborted) return Promise.reject(aborted());
    return new Promise<ConvertOutput>((resolve, reject) => {
      const job: Job = {
        request: { id: this.#nextId++, spec, body, context },
        settled: false,
        moved: false,
        budgetMs: options.budgetMs,
        resolve,
        reject,
        signal: options.signal,
        onAbort: () => this.#abort(job),
      };
      options.signal?.addEventListener("abort", job.onAbort, { once: true });
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Workers started and not stopped (ready or still starting). */
  get workers(): number {
    return this.#slots.size;
  }

  /**
   * Starts the first worker now, so it loads the converter and tokenizer while a sync is still listing pages and the
   * first pages do not wait for it. More start when pages wait (see {@link ConvertPoolOptions.size}): a small sync
   * that one worker keeps up with never pays for loading another. Idle workers never keep the process alive.
   */
  warm(): void {
    if (this.#unavailable === undefined && this.#slots.size === 0) this.#spawn();
  }

  /** Stops every worker; queued pages are rejected. */
  async close(): Promise<void> {
    clearTimeout(this.#growCheck);
    this.#growCheck = undefined;
    for (const job of this.#queue.splice(0)) this.#finish(job, new Error("the conversion pool was closed"));
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const slot of slots) {
      for (const job of slot.jobs) this.#finish(job, new Error("the conversion pool was closed"));
      clearTimeout(slot.timer);
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const idle = this.#idle();
      if (idle) {
        this.#dispatch(idle, this.#queue.shift() as Job);
        continue;
      }
      if (this.#slots.size === 0) {
        this.#spawn();
        continue;
      }
      // Every worker is busy: the one with the shortest line takes the next page into its message queue.
      const now = Date.now();
      const behind = [...this.#slots]
        .filter((slot) => slot.ready && slot.jobs.length < WORKER_QUEUE && now - slot.startedAt < MOVE_AFTER_MS)
        .sort((a, b) => a.jobs.length - b.jobs.length)[0];
      if (!behind) {
        this.#checkGrowth();
        return;
      }
      this.#dispatch(behind, this.#queue.shift() as Job);
      // Looks again once the page could be overdue, in case no worker frees up meanwhile.
      setTimeout(() => this.#pump(), MOVE_AFTER_MS + 10).unref();
    }
    // Nothing queued: an idle worker takes a page that waits behind one running long, and without one another
    // worker starts (it takes the page once ready).
    for (let overdue = this.#overdue(); overdue; overdue = this.#overdue()) {
      const idle = this.#idle();
      if (!idle) {
        if (this.#slots.size < this.size && [...this.#slots].every((slot) => slot.ready)) this.#spawn();
        return;
      }
      overdue.moved = true;
      this.#dispatch(idle, overdue);
    }
  }

  /**
   * Pages wait for the running workers: unless a worker is still starting, looks again after {@link GROW_AFTER_MS}
   * and starts one more (up to `size`) when pages still wait then.
   */
  #checkGrowth(): void {
    if (this.#growCheck !== undefined || this.#slots.size >= this.size) return;
    this.#growCheck = setTimeout(() => {
      this.#growCheck = undefined;
      const starting = [...this.#slots].some((slot) => !slot.ready);
      if (this.#queue.length === 0 || this.#unavailable !== undefined || this.#slots.size >= this.size) return;
      if (starting) this.#checkGrowth();
      else {
        this.#spawn();
        this.#pump();
      }
    }, GROW_AFTER_MS);
    this.#growCheck.unref();
  }

  #idle(): Slot | undefined {
    for (const slot of this.#slots) if (slot.ready && slot.jobs.length === 0) return slot;
    return undefined;
  }

  /** A page still waiting in a worker's queue behind one that has run for {@link MOVE_AFTER_MS} or more. */
  #overdue(): Job | undefined {
    const now = Date.now();
    for (const slot of this.#slots) {
      if (now - slot.startedAt < MOVE_AFTER_MS) continue;
      const job = slot.jobs.find((waiting, i) => i > 0 && !waiting.settled && !waiting.moved);
      if (job) return job;
    }
    return undefined;
  }

  /** Whether another worker than `slot` holds the page. */
  #elsewhere(job: Job, slot: Slot): boolean {
    for (const other of this.#slots) if (other !== slot && other.jobs.includes(job)) return true;
    return false;
  }

  #spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(new URL(this.#worker.url.href), {
        name: "archon-convert",
        resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
        ...(this.#worker.execArgv === undefined ? {} : { execArgv: this.#worker.execArgv }),
      });
    } catch (error) {
      this.#unavailable = error instanceof Error ? error.message : "the worker could not be created";
      for (const job of this.#queue.splice(0)) this.#finish(job, new ConvertPoolUnavailableError(this.#unavailable));
      return;
    }
    const slot: Slot = { worker, ready: false, jobs: [], timer: undefined, startedAt: 0 };
    this.#slots.add(slot);
    worker.on("message", (reply: WorkerReply) => {
      if ("ready" in reply) {
        slot.ready = true;
        // Pages that waited for this worker to start get their full wait before another one starts.
        clearTimeout(this.#growCheck);
        this.#growCheck = undefined;
        this.#pump();
        // A starting worker keeps the process alive (a page waits for it); an idle one does not.
        if (slot.jobs.length === 0) slot.worker.unref();
        return;
      }
      const job = slot.jobs[0];
      if (!job || job.request.id !== reply.id) return;
      slot.jobs.shift();
      clearTimeout(slot.timer);
      this.#startNext(slot);
      if (reply.ok) this.#finish(job, undefined, reply.output);
      else this.#finish(job, new ConfluenceSyncError("CONVERT_FAILED", `Conversion failed: ${reply.error}`));
      this.#pump();
    });
    const lost = (reason: string, outOfMemory = false) => {
      if (!this.#slots.delete(slot)) return;
      clearTimeout(slot.timer);
      if (!slot.ready) {
        this.#unavailable = reason;
        for (const job of this.#queue.splice(0)) this.#finish(job, new ConvertPoolUnavailableError(reason));
      }
      const [running, ...waiting] = slot.jobs;
      if (running && !this.#elsewhere(running, slot)) {
        this.#finish(running, outOfMemory ? this.#outOfMemory(running) : stopped(reason));
      }
      this.#requeue(slot, waiting);
      this.#pump();
    };
    worker.on("error", (error) => lost(error.message, (error as { code?: unknown }).code === OUT_OF_MEMORY));
    worker.on("exit", (code) => lost(`it exited with code ${code}`));
  }

  #dispatch(slot: Slot, job: Job): void {
    slot.jobs.push(job);
    slot.worker.ref();
    slot.worker.postMessage(job.request);
    if (slot.jobs.length === 1) this.#startNext(slot);
  }

  /** Starts the budget of the slot's running page, or lets an idle worker go. */
  #startNext(slot: Slot): void {
    slot.timer = undefined;
    const job = slot.jobs[0];
    if (!job) {
      slot.worker.unref();
      return;
    }
    slot.startedAt = Date.now();
    slot.timer = setTimeout(() => {
      this.#stop(slot);
      if (this.#elsewhere(job, slot)) return;
      const seconds = job.budgetMs / 1000;
      this.#finish(
        job,
        new ConfluenceSyncError(
          "PAGE_TOO_COMPLEX",
          `Converting and chunking page ${job.request.context.pageId} took longer than its ${seconds} s budget; ` +
            "it is skipped until its version changes (raise pageTimeBudgetMs to allow more).",
        ),
      );
    }, job.budgetMs);
  }

  #outOfMemory(job: Job): ConfluenceSyncError {
    return new ConfluenceSyncError(
      "PAGE_TOO_COMPLEX",
      `Converting and chunking page ${job.request.context.pageId} needed more than the ${this.#maxHeapMb} MB heap of ` +
        "a conversion worker; it is skipped until its version changes (raise the pool's maxHeapMb to allow more).",
    );
  }

  /** Stops a busy worker (its page cannot be interrupted otherwise); its waiting pages go back to the queue. */
  #stop(slot: Slot): void {
    this.#slots.delete(slot);
    clearTimeout(slot.timer);
    slot.timer = undefined;
    void slot.worker.terminate();
    this.#requeue(slot, slot.jobs.slice(1));
    this.#pump();
  }

  /** Pages that waited in a lost worker's queue go first in line again, unless done or held by another worker. */
  #requeue(slot: Slot, waiting: readonly Job[]): void {
    slot.jobs.length = 0;
    const again = waiting.filter((job) => !job.settled && !this.#elsewhere(job, slot));
    this.#queue.unshift(...again);
  }

  #abort(job: Job): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) this.#queue.splice(queued, 1);
    // A page still waiting in a worker's queue is dropped when its answer comes; a running one stops its worker.
    for (const slot of [...this.#slots]) if (slot.jobs[0] === job) this.#stop(slot);
    this.#finish(job, aborted());
  }

  #finish(job: Job, error: unknown, output?: ConvertOutput): void {
    if (job.settled) return;
    job.settled = true;
    job.signal?.removeEventListener("abort", job.onAbort);
    if (error === undefined) job.resolve(output as ConvertOutput);
    else job.reject(error);
  }
}

/** Node's error code for a worker that ran out of its `resourceLimits`. */
const OUT_OF_MEMORY = "ERR_WORKER_OUT_OF_MEMORY";
const DEFAULT_MAX_HEAP_MB = 512;
/** Pages posted to one worker at once: the one it converts and the next. */
const WORKER_QUEUE = 2;
/** How long a page may wait behind a running one before an idle worker takes it over. */
const MOVE_AFTER_MS = 1000;
/** How long pages may wait for the running workers before another worker starts. */
const GROW_AFTER_MS = 50;

function stopped(reason: string): ConfluenceSyncError {
  return new ConfluenceSyncError("CONVERT_FAILED", `The conversion worker stopped: ${reason}`);
}

function aborted(): ConfluenceSyncError {
  return new ConfluenceSyncError("SYNC_ABORTED", "The sync was cancelled while a page was being converted.");
}

/**
 * This package's worker: the built `convert-worker.js` beside the bundle, or, when running from TypeScript source
 * (tests, tsx), the `.ts` file loaded through tsx.
 */
function defaultWorker(): { url: URL; execArgv?: string[] } {
  if (import.meta.url.endsWith(".ts")) {
    const tsx = createRequire(import.meta.url).resolve("tsx");
    return { url: new URL("./convert-worker.ts", import.meta.url), execArgv: ["--import", pathToFileURL(tsx).href] };
  }
  return { url: new URL("./convert-worker.js", import.meta.url) };
}

let shared: ConvertPool | undefined;

/** The process-wide pool every `ConfluenceSync` uses unless given its own: one worker per core, shared by all syncs. */
export function defaultConvertPool(): ConvertPool {
  shared ??= new ConvertPool();
  return shared;
}
