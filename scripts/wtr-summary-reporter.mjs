import { writeFileSync } from 'node:fs';

/** Writes the pass/fail counts of a test-runner run to a JSON file, per browser. */
export function summaryReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      const counts = {};
      for (const session of sessions) {
        const browser = session.browser.name;
        const c = (counts[browser] ??= { passed: 0, failed: 0, skipped: 0 });
        const walk = (suite) => {
          for (const test of suite.tests) {
            if (test.skipped) c.skipped++;
            else if (test.passed) c.passed++;
            else c.failed++;
          }
          suite.suites.forEach(walk);
        };
        if (session.testResults) walk(session.testResults);
        // a test file that failed to load has no tests but is a failure
        if (!session.passed && (session.errors?.length ?? 0) > 0) c.failed++;
      }
      writeFileSync(file, JSON.stringify(counts));
    },
  };
}
