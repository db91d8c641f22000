import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { background } from '../../src/http/background.js';

describe('background work gives way to requests', () => {
  it('defers claims while requests are in flight, at most maxDeferMs at a time, and wakes the senders when idle', async () => {
    const load = background({ maxDeferMs: 200, idleMs: 5 });
    let woken = 0;
    load.onIdle(() => woken++);
    assert.equal(load.defer(), false, 'idle: claim now');
    load.busy(3);
    assert.equal(load.defer(), true, 'requests waiting: later');
    await new Promise((r) => setTimeout(r, 220));
    assert.equal(load.defer(), false, 'but never starved: one claim per maxDeferMs');
    assert.equal(load.defer(), true);
    load.busy(0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(woken, 1, 'woken once the receiver is idle');
    assert.equal(load.defer(), false);
  });
});
