// Koa middleware the test runner's dev server mounts: endpoints that browser
// tests post records to (see web-test-runner.config.mjs).
export const testEndpoints = [];
