/**
 * @module The live server's clock: simulated time tied to the wall clock by a time scale, and
 * wake-ups at simulated instants scheduled against absolute wall deadlines (a late timer never
 * delays the ones after it). Injectable, so tests can run the driver on a manual clock.
 */

import { performance } from 'node:perf_hooks';

/** Simulated time as the server sees it. */
export interface SimulationClock {
  /** Simulated seconds since the server started. */
  nowS(): number;
  /** Wall-clock milliseconds (performance.now origin) at which simulated time reaches `simS`. */
  wallMsAt(simS: number): number;
  /**
   * Calls `callback` once simulated time has reached `simS` (soon, if it already has), with how
   * many wall milliseconds after the deadline it runs. Returns a function that cancels it.
   */
  wakeAt(simS: number, callback: (latenessMs: number) => void): () => void;
}

/** `sim = (wall − start) × timeScale`: 1 is real time, 10 runs ten times faster. */
export class ScaledWallClock implements SimulationClock {
  readonly timeScale: number;
  private readonly startWallMs: number;

  constructor(timeScale: number, startWallMs = performance.now()) {
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
      throw new RangeError(`time scale must be a positive number, got ${timeScale}`);
    }
    this.timeScale = timeScale;
    this.startWallMs = startWallMs;
  }

  nowS(): number {
    return ((performance.now() - this.startWallMs) * this.timeScale) / 1000;
  }

  wallMsAt(simS: number): number {
    return this.startWallMs + (simS * 1000) / this.timeScale;
  }

  wakeAt(simS: number, callback: (latenessMs: number) => void): () => void {
    const deadlineMs = this.wallMsAt(simS);
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const remainingMs = deadlineMs - performance.now();
      if (remainingMs <= 0) {
        timer = undefined;
        callback(-remainingMs);
        return;
      }
      // Node rounds timers to whole milliseconds and may fire a fraction early: re-check against
      // the deadline instead of trusting the timer, so nothing is ever delivered before its time.
      timer = setTimeout(arm, remainingMs);
    };
    timer = setTimeout(arm, Math.max(0, deadlineMs - performance.now()));
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    };
  }
}

/** A clock moved by hand, for tests of the live driver. */
export class ManualClock implements SimulationClock {
  private currentS = 0;
  private readonly wakeUps: {
    simS: number;
    callback: (latenessMs: number) => void;
    cancelled: boolean;
  }[] = [];

  nowS(): number {
    return this.currentS;
  }

  wallMsAt(simS: number): number {
    return simS * 1000;
  }

  wakeAt(simS: number, callback: (latenessMs: number) => void): () => void {
    const wakeUp = { simS, callback, cancelled: false };
    this.wakeUps.push(wakeUp);
    return () => {
      wakeUp.cancelled = true;
    };
  }

  /** Moves time to `simS`, firing due wake-ups in time order (including ones they schedule). */
  advanceTo(simS: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const due = this.wakeUps
        .filter((wakeUp) => !wakeUp.cancelled && wakeUp.simS <= simS)
        .sort((a, b) => a.simS - b.simS)[0];
      if (due === undefined) break;
      this.wakeUps.splice(this.wakeUps.indexOf(due), 1);
      this.currentS = Math.max(this.currentS, due.simS);
      due.callback(0);
    }
    this.currentS = Math.max(this.currentS, simS);
  }
}
