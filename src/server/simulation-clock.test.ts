/**
 * @module The scaled wall clock: simulated time runs `timeScale` times the wall clock, and a
 * wake-up never fires before its deadline (Node rounds timers to whole milliseconds).
 */

import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { ManualClock, ScaledWallClock } from './simulation-clock.js';

describe('ScaledWallClock', () => {
  it('maps simulated seconds to wall milliseconds through the time scale', () => {
    const clock = new ScaledWallClock(10, 1000);
    expect(clock.wallMsAt(0)).toBe(1000);
    expect(clock.wallMsAt(5)).toBe(1500);
    expect(() => new ScaledWallClock(0)).toThrow(RangeError);
  });

  it('wakes up at or after each deadline, never before', async () => {
    const clock = new ScaledWallClock(1);
    const lateness: number[] = [];
    await Promise.all(
      [0.0013, 0.0027, 0.004, 0.0105].map(
        (simS) =>
          new Promise<void>((resolve) => {
            clock.wakeAt(simS, () => {
              lateness.push(performance.now() - clock.wallMsAt(simS));
              resolve();
            });
          }),
      ),
    );
    expect(lateness).toHaveLength(4);
    for (const ms of lateness) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('does not fire a cancelled wake-up', async () => {
    const clock = new ScaledWallClock(1);
    let fired = false;
    const cancel = clock.wakeAt(clock.nowS() + 0.002, () => {
      fired = true;
    });
    cancel();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fired).toBe(false);
  });
});

describe('ManualClock', () => {
  it('fires due wake-ups in time order, including ones scheduled while firing', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.wakeAt(2, () => fired.push('b'));
    clock.wakeAt(1, () => {
      fired.push('a');
      clock.wakeAt(1.5, () => fired.push('a2'));
    });
    clock.wakeAt(3, () => fired.push('c'));
    clock.advanceTo(2.5);
    expect(fired).toEqual(['a', 'a2', 'b']);
    expect(clock.nowS()).toBe(2.5);
  });
});
