/**
 * @module The simulated serving engine of one model instance: a virtual clock and an event queue
 * driving iteration-level continuous batching. Each step asks the scheduler for a batch and the cost
 * model for its duration and ends at start + cost; tokens appear at step ends. There is one queue
 * event per step (plus one per arrival), never one per token.
 */

import { KvBlockManager } from '../kv-cache/block-manager.js';
import { BatchShapeBuilder, type CostModel } from '../perf/cost-model.js';
import { Deque } from '../scheduler/deque.js';
import type { Scheduler, SchedulerState } from '../scheduler/scheduler.js';
import type { WorkloadRequest } from '../workload/workload-request.js';
import type {
  EngineConfig,
  EngineObserver,
  RequestStatus,
  RequestView,
  StepView,
} from './engine-types.js';
import { EventQueue } from './event-queue.js';

/** The engine's mutable request record; observers see it through `RequestView`. */
class EngineRequest implements RequestView {
  readonly id: string;
  readonly arrivalS: number;
  readonly inputTokens: number;
  targetOutputTokens: number;
  outputTokens = 0;
  numComputedTokens = 0;
  allocatedBlocks = 0;
  status: RequestStatus = 'pending';
  firstScheduledS = Number.NaN;
  firstTokenS = Number.NaN;
  lastTokenS = Number.NaN;
  previousTokenS = Number.NaN;
  finishS = Number.NaN;
  preemptions = 0;
  /** Bumped on preemption and abort, so results of batches still in flight are discarded. */
  epoch = 0;

  constructor(request: WorkloadRequest, arrivalS: number) {
    this.id = request.id;
    this.arrivalS = arrivalS;
    this.inputTokens = request.inputTokens;
    this.targetOutputTokens = request.outputTokens;
  }
}

/** A batch between its start and its end on the last pipeline stage. */
interface InFlightBatch {
  readonly startS: number;
  readonly endS: number;
  readonly requests: readonly EngineRequest[];
  readonly epochs: readonly number[];
  /** Whether each entry's chunk completes its context, so it samples a token at the end. */
  readonly samples: readonly boolean[];
  readonly shape: BatchShapeBuilder;
}

type EngineEvent =
  | { readonly kind: 'arrival'; readonly request: EngineRequest; readonly fromSource: boolean }
  | { readonly kind: 'batch-end'; readonly batch: InFlightBatch }
  | { readonly kind: 'stage-free' };

export interface EngineOptions {
  readonly config: EngineConfig;
  readonly scheduler: Scheduler;
  readonly costModel: CostModel;
  readonly observer?: EngineObserver;
}

/** One model instance; see the module comment. */
export class Engine {
  readonly config: EngineConfig;
  private readonly scheduler: Scheduler;
  private readonly costModel: CostModel;
  private readonly observer: EngineObserver;
  private readonly kv: KvBlockManager;
  private readonly queue = new EventQueue<EngineEvent>();
  private readonly running: EngineRequest[] = [];
  private readonly waiting = new Deque<EngineRequest>();
  /** When each pipeline stage finishes its current work. */
  private readonly stageFreeS: number[];
  private readonly schedulerState: SchedulerState<EngineRequest>;
  private arrivalSource: Iterator<WorkloadRequest> | undefined;
  private batchInFormation = emptyBatch();
  private inFlightBatches = 0;
  private stageFreePending = false;
  private nowSeconds = 0;
  private steps = 0;

  constructor(options: EngineOptions) {
    const { config } = options;
    validateEngineConfig(config);
    this.config = config;
    this.scheduler = options.scheduler;
    this.costModel = options.costModel;
    this.observer = options.observer ?? {};
    this.kv = new KvBlockManager(config.totalKvBlocks, config.blockSize);
    this.stageFreeS = new Array<number>(config.parallel.pp).fill(0);
    this.schedulerState = {
      running: this.running,
      waiting: this.waiting,
      kv: this.kv,
      preempt: (request) => this.preempt(request),
      admit: (request) => this.admit(request),
      schedule: (request, newTokens) => this.addToBatch(request, newTokens),
    };
  }

  /** Current simulated time. */
  get nowS(): number {
    return this.nowSeconds;
  }

  /** Engine steps started so far. */
  get stepCount(): number {
    return this.steps;
  }

  get numRunning(): number {
    return this.running.length;
  }

  get numWaiting(): number {
    return this.waiting.size;
  }

  get numInFlightBatches(): number {
    return this.inFlightBatches;
  }

  get kvUsedBlocks(): number {
    return this.kv.usedBlocks;
  }

  get kvPeakUsedBlocks(): number {
    return this.kv.peakUsedBlocks;
  }

  /** Time of the next event, `Infinity` when there is none. */
  nextEventS(): number {
    return this.queue.peekTime();
  }

  /**
   * Pulls arrivals lazily from `source` (which must yield non-decreasing arrival times), keeping
   * only the next one queued, so memory stays flat however long the workload is.
   */
  setArrivalSource(source: Iterator<WorkloadRequest>): void {
    if (this.arrivalSource) throw new Error('an arrival source is already set');
    this.arrivalSource = source;
    this.pullArrival();
  }

  /**
   * Adds a request arriving at `request.arrivalS` (or now, if that has passed). Returns its live
   * view, which `abort` accepts.
   */
  submit(request: WorkloadRequest): RequestView {
    const engineRequest = new EngineRequest(request, Math.max(request.arrivalS, this.nowSeconds));
    validateRequest(request);
    this.queue.push(engineRequest.arrivalS, {
      kind: 'arrival',
      request: engineRequest,
      fromSource: false,
    });
    return engineRequest;
  }

  /** Ends a request early (a client went away): its KV blocks are freed at once. */
  abort(view: RequestView): boolean {
    const request = view as EngineRequest;
    switch (request.status) {
      case 'pending':
        // Not arrived yet: its arrival event will find it aborted and drop it.
        break;
      case 'waiting':
        this.waiting.removeFirst((item) => item === request);
        break;
      case 'running':
        this.running.splice(this.running.indexOf(request), 1);
        this.kv.free(request);
        break;
      default:
        return false;
    }
    request.status = 'aborted';
    request.finishS = this.nowSeconds;
    request.epoch++;
    this.observer.requestEnd?.(request, this.nowSeconds);
    return true;
  }

  /** Processes every event up to and including `timeS`, then sets the clock to `timeS`. */
  advanceTo(timeS: number): void {
    this.runUntil(timeS);
    if (timeS > this.nowSeconds && Number.isFinite(timeS)) this.nowSeconds = timeS;
  }

  /** Runs until no event is left: every submitted request has ended. */
  runToCompletion(): void {
    this.runUntil(Number.POSITIVE_INFINITY);
  }

  private runUntil(limitS: number): void {
    const queue = this.queue;
    while (queue.size > 0 && queue.peekTime() <= limitS) {
      const timeS = queue.peekTime();
      this.nowSeconds = timeS;
      // Handle everything due now before scheduling, so simultaneous arrivals share a step.
      while (queue.size > 0 && queue.peekTime() === timeS) {
        this.handle(queue.pop() as EngineEvent);
      }
      this.trySchedule();
      if (queue.size === 0 && this.running.length + this.waiting.size > 0) {
        throw new Error(
          `engine stalled at ${timeS}s with ${this.running.length} running and ` +
            `${this.waiting.size} waiting requests (KV blocks free: ${this.kv.freeBlocks})`,
        );
      }
    }
  }

  private handle(event: EngineEvent): void {
    switch (event.kind) {
      case 'arrival':
        this.arrive(event.request);
        if (event.fromSource) this.pullArrival();
        return;
      case 'batch-end':
        this.finishBatch(event.batch);
        return;
      case 'stage-free':
        this.stageFreePending = false;
        return;
    }
  }

  private pullArrival(): void {
    const next = this.arrivalSource?.next();
    if (!next || next.done) return;
    validateRequest(next.value);
    const request = new EngineRequest(next.value, Math.max(next.value.arrivalS, this.nowSeconds));
    this.queue.push(request.arrivalS, { kind: 'arrival', request, fromSource: true });
  }

  private arrive(request: EngineRequest): void {
    if (request.status === 'aborted') return;
    const { maxModelLen } = this.config;
    this.observer.requestArrive?.(request, this.nowSeconds);
    // vLLM rejects a prompt that leaves no room for one output token, and stops generation at
    // the context window.
    const maxPrompt = this.config.maxPromptTokens;
    if (
      request.inputTokens >= maxModelLen ||
      (maxPrompt !== undefined && request.inputTokens > maxPrompt)
    ) {
      request.status = 'rejected';
      request.finishS = this.nowSeconds;
      this.observer.requestReject?.(request, 'prompt-too-long', this.nowSeconds);
      return;
    }
    request.targetOutputTokens = Math.min(
      request.targetOutputTokens,
      maxModelLen - request.inputTokens,
    );
    request.status = 'waiting';
    this.waiting.pushBack(request);
  }

  private preempt(request: EngineRequest): void {
    this.kv.free(request);
    request.numComputedTokens = 0;
    request.status = 'waiting';
    request.preemptions++;
    request.epoch++;
    this.waiting.pushFront(request);
    this.observer.requestPreempt?.(request, this.nowSeconds);
  }

  private admit(request: EngineRequest): void {
    request.status = 'running';
    this.running.push(request);
    if (Number.isNaN(request.firstScheduledS)) {
      request.firstScheduledS = this.nowSeconds;
      this.observer.requestSchedule?.(request, this.nowSeconds);
    }
  }

  private addToBatch(request: EngineRequest, newTokens: number): void {
    const batch = this.batchInFormation;
    const prior = request.numComputedTokens;
    const contextTokens = request.inputTokens + request.outputTokens;
    const samples = prior + newTokens === contextTokens;
    batch.requests.push(request);
    batch.epochs.push(request.epoch);
    batch.samples.push(samples);
    batch.shape.add({
      newTokens,
      priorTokens: prior,
      isDecode: newTokens === 1 && request.outputTokens > 0 && prior === contextTokens - 1,
      samples,
    });
    request.numComputedTokens = prior + newTokens;
  }

  private trySchedule(): void {
    const now = this.nowSeconds;
    const pp = this.config.parallel.pp;
    if (this.inFlightBatches >= pp || (this.stageFreeS[0] as number) > now) return;
    if (this.running.length === 0 && this.waiting.size === 0) return;
    this.scheduler.schedule(this.schedulerState, this.config);
    const formed = this.batchInFormation;
    if (formed.requests.length === 0) return;
    this.batchInFormation = emptyBatch();
    const prediction = this.costModel.predict(formed.shape, this.config.parallel);
    let stageEnd = now + prediction.overheadSeconds;
    for (let stage = 0; stage < pp; stage++) {
      const begin = Math.max(stageEnd, this.stageFreeS[stage] as number);
      stageEnd = begin + prediction.stageSeconds;
      this.stageFreeS[stage] = stageEnd;
    }
    const batch: InFlightBatch = { startS: now, endS: stageEnd, ...formed };
    this.steps++;
    this.inFlightBatches++;
    this.queue.push(stageEnd, { kind: 'batch-end', batch });
    // With several stages, the first frees before the batch ends: another batch may start then.
    if (pp > 1 && this.inFlightBatches < pp && !this.stageFreePending) {
      this.stageFreePending = true;
      this.queue.push(this.stageFreeS[0] as number, { kind: 'stage-free' });
    }
  }

  private finishBatch(batch: InFlightBatch): void {
    const now = this.nowSeconds;
    this.inFlightBatches--;
    const emitted: EngineRequest[] = [];
    const finished: EngineRequest[] = [];
    const { requests, epochs, samples } = batch;
    for (let index = 0; index < requests.length; index++) {
      const request = requests[index] as EngineRequest;
      // A request preempted or aborted while its batch was in flight keeps nothing of it.
      if (request.epoch !== epochs[index] || request.status !== 'running') continue;
      if (!samples[index]) continue;
      request.outputTokens++;
      request.previousTokenS = request.lastTokenS;
      request.lastTokenS = now;
      if (request.outputTokens === 1) request.firstTokenS = now;
      emitted.push(request);
      if (request.outputTokens >= request.targetOutputTokens) {
        request.status = 'finished';
        request.finishS = now;
        this.kv.free(request);
        finished.push(request);
      }
    }
    if (finished.length > 0) removeFinished(this.running);
    const step: StepView = {
      startS: batch.startS,
      endS: now,
      batch: batch.shape,
      emitted,
      numRunning: this.running.length,
      numWaiting: this.waiting.size,
      kvUsedBlocks: this.kv.usedBlocks,
      kvTotalBlocks: this.kv.totalBlocks,
    };
    this.observer.stepEnd?.(step);
    for (const request of finished) this.observer.requestEnd?.(request, now);
  }
}

/** A batch being filled by the scheduler. */
function emptyBatch() {
  return {
    requests: [] as EngineRequest[],
    epochs: [] as number[],
    samples: [] as boolean[],
    shape: new BatchShapeBuilder(),
  };
}

/** Drops finished requests from the running list in place, keeping the order of the rest. */
function removeFinished(running: EngineRequest[]): void {
  let kept = 0;
  for (let index = 0; index < running.length; index++) {
    const request = running[index] as EngineRequest;
    if (request.status === 'running') running[kept++] = request;
  }
  running.length = kept;
}

function validateRequest(request: WorkloadRequest): void {
  if (!(request.arrivalS >= 0)) {
    throw new RangeError(`request ${request.id}: arrival must be ≥ 0, got ${request.arrivalS}`);
  }
  if (!Number.isInteger(request.inputTokens) || request.inputTokens < 1) {
    throw new RangeError(`request ${request.id}: input tokens must be a positive integer`);
  }
  if (!Number.isInteger(request.outputTokens) || request.outputTokens < 1) {
    throw new RangeError(`request ${request.id}: output tokens must be a positive integer`);
  }
}

function validateEngineConfig(config: EngineConfig): void {
  const positiveIntegers: [string, number][] = [
    ['maxNumSeqs', config.maxNumSeqs],
    ['maxNumBatchedTokens', config.maxNumBatchedTokens],
    ['maxModelLen', config.maxModelLen],
    ['blockSize', config.blockSize],
    ['totalKvBlocks', config.totalKvBlocks],
    ['tp', config.parallel.tp],
    ['pp', config.parallel.pp],
  ];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
}
