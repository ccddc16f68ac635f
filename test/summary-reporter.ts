import type { Reporter, SerializedError, TestModule } from "vitest/node";

/**
 * Ends every run with one plain line, `tests: N passed, N failed, N skipped`, which CI systems and humans can read
 * without parsing vitest's decorated output. A test file that fails to load (or whose setup throws) and an
 * unhandled error each count as a failure, so the line never hides one.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const module of modules) {
      let moduleFailed = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") moduleFailed++;
        else skipped++;
      }
      if (moduleFailed === 0 && (module.state() === "failed" || module.errors().length > 0)) moduleFailed = 1;
      failed += moduleFailed;
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
