/**
 * @module The timeline store: newest kept, oldest dropped by count and by token-time budget, and
 * the derived figures clients see in headers.
 */

import { describe, expect, it } from 'vitest';
import { figuresOf, type RequestTimeline, RequestTimelines } from './request-timelines.js';

function timeline(id: string, tokens: number): RequestTimeline {
  return {
    id,
    model: 'm',
    stream: false,
    arrivalS: 1,
    promptTokens: 10,
    handlingMs: 0.5,
    choices: [
      {
        index: 0,
        status: 'finished',
        firstScheduledS: 1.001,
        firstTokenS: 1.02,
        finishS: 1.02 + (tokens - 1) * 0.01,
        preemptions: 0,
        tokenTimesS: Array.from({ length: tokens }, (_, index) => 1.02 + index * 0.01),
      },
    ],
  };
}

describe('RequestTimelines', () => {
  it('keeps the newest up to its capacity', () => {
    const store = new RequestTimelines(3);
    for (const id of ['a', 'b', 'c', 'd']) store.add(timeline(id, 2));
    expect(store.get('a')).toBeUndefined();
    expect(store.recent(10).map((entry) => entry.id)).toEqual(['d', 'c', 'b']);
  });

  it('drops the oldest when their token times exceed the budget, never the newest', () => {
    const store = new RequestTimelines(1000);
    store.add(timeline('long-1', 900_000));
    store.add(timeline('long-2', 900_000));
    store.add(timeline('long-3', 900_000));
    expect(store.get('long-1')).toBeUndefined();
    expect(store.get('long-2')).toBeDefined();
    store.add(timeline('huge', 3_000_000));
    expect(store.recent(10).map((entry) => entry.id)).toEqual(['huge']);
  });
});

describe('figuresOf', () => {
  it('derives queue, TTFT, TPOT and E2E in milliseconds', () => {
    const figures = figuresOf(timeline('x', 11));
    expect(figures.queueMs).toBeCloseTo(1, 9);
    expect(figures.ttftMs).toBeCloseTo(20, 9);
    expect(figures.tpotMs).toBeCloseTo(10, 9);
    expect(figures.e2eMs).toBeCloseTo(120, 9);
  });
});
