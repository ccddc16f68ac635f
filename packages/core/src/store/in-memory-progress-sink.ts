import type { ProgressSink, SyncEvent } from "../ports/progress-sink.js";
import { applySyncEvent, type OperationProgress, type ProgressReader } from "./progress.js";

/**
 * A {@link ProgressSink} that keeps every event it receives and the latest progress of each operation.
 *
 * @example
 * const sink = new InMemoryProgressSink();
 * const sync = new ConfluenceSync({ ..., progressSink: sink });
 * sink.latest(operationId)?.percent;
 */
export class InMemoryProgressSink implements ProgressSink, ProgressReader {
  /** Every event received, in order. */
  readonly events: SyncEvent[] = [];
  readonly #progress = new Map<string, OperationProgress>();

  handle(event: SyncEvent): void {
    this.events.push(structuredClone(event));
    const next = applySyncEvent(this.#progress.get(event.operationId) ?? null, event);
    if (next) this.#progress.set(event.operationId, next);
  }

  /** Latest progress of the operation, synchronously. */
  latest(operationId: string): OperationProgress | undefined {
    return this.#progress.get(operationId);
  }

  async getProgress(operationId: string): Promise<OperationProgress | null> {
    return this.#progress.get(operationId) ?? null;
  }

  /** Events of one type, e.g. `sink.ofType("page-indexed")`. */
  ofType<K extends SyncEvent["type"]>(type: K): Extract<SyncEvent, { type: K }>[] {
    return this.events.filter((event): event is Extract<SyncEvent, { type: K }> => event.type === type);
  }

  /** Forgets everything recorded. */
  clear(): void {
    this.events.length = 0;
    this.#progress.clear();
  }
}
