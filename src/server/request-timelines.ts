/**
 * @module The simulated timeline of recent requests (arrival, scheduling, every token, finish),
 * kept in a bounded store so clients and tests can compare what they observed with what the
 * simulator decided (`GET /debug/requests/:id`).
 */

/** One choice's simulated timeline; times are simulated seconds since the server started. */
export interface ChoiceTimeline {
  readonly index: number;
  status: string;
  firstScheduledS: number | null;
  firstTokenS: number | null;
  finishS: number | null;
  preemptions: number;
  readonly tokenTimesS: number[];
}

/** A request's simulated timeline. */
export interface RequestTimeline {
  readonly id: string;
  readonly model: string;
  readonly stream: boolean;
  readonly arrivalS: number;
  readonly promptTokens: number;
  /** Wall ms the server spent on the request before it entered the engine (parse, tokenize). */
  readonly handlingMs: number;
  readonly choices: readonly ChoiceTimeline[];
}

/** Derived figures of a timeline in milliseconds of simulated time (null until known). */
export interface TimelineFigures {
  readonly queueMs: number | null;
  readonly ttftMs: number | null;
  readonly tpotMs: number | null;
  readonly e2eMs: number | null;
}

function msBetween(fromS: number, toS: number | null): number | null {
  return toS === null ? null : (toS - fromS) * 1000;
}

function minimumOf(values: readonly (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.min(...known);
}

/**
 * The client's view: queue until the first choice is scheduled, TTFT to the first token of any
 * choice, E2E to the last choice's end, TPOT over choice 0's decode tokens.
 */
export function figuresOf(timeline: RequestTimeline): TimelineFigures {
  const { arrivalS, choices } = timeline;
  const finishTimes = choices.map((choice) => choice.finishS);
  const lastFinishS = finishTimes.includes(null)
    ? null
    : Math.max(...finishTimes.map((time) => time as number));
  const first = choices[0];
  let tpotMs: number | null = null;
  if (first !== undefined && first.tokenTimesS.length > 1 && first.firstTokenS !== null) {
    const lastTokenS = first.tokenTimesS[first.tokenTimesS.length - 1] as number;
    tpotMs = ((lastTokenS - first.firstTokenS) * 1000) / (first.tokenTimesS.length - 1);
  }
  return {
    queueMs: msBetween(arrivalS, minimumOf(choices.map((choice) => choice.firstScheduledS))),
    ttftMs: msBetween(arrivalS, minimumOf(choices.map((choice) => choice.firstTokenS))),
    tpotMs,
    e2eMs: msBetween(arrivalS, lastFinishS),
  };
}

/** Token times kept over all stored timelines (8 bytes each: 16 MB). */
const TOKEN_TIME_BUDGET = 2_000_000;

function tokenTimesOf(timeline: RequestTimeline): number {
  return timeline.choices.reduce((sum, choice) => sum + choice.tokenTimesS.length, 0);
}

/**
 * The most recent `capacity` timelines, by response id; fewer when long generations would keep
 * more than `TOKEN_TIME_BUDGET` token times.
 */
export class RequestTimelines {
  readonly capacity: number;
  private readonly timelines = new Map<string, RequestTimeline>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(timeline: RequestTimeline): void {
    this.timelines.set(timeline.id, timeline);
    let tokenTimes = 0;
    for (const stored of this.timelines.values()) tokenTimes += tokenTimesOf(stored);
    for (const [id, oldest] of this.timelines) {
      if (this.timelines.size <= this.capacity && tokenTimes <= TOKEN_TIME_BUDGET) break;
      if (id === timeline.id) break;
      this.timelines.delete(id);
      tokenTimes -= tokenTimesOf(oldest);
    }
  }

  get(id: string): RequestTimeline | undefined {
    return this.timelines.get(id);
  }

  /** The newest first, at most `limit`. */
  recent(limit: number): RequestTimeline[] {
    return [...this.timelines.values()].slice(-limit).reverse();
  }
}
