/**
 * @module `npm run bench:server`: load on the live server over loopback, with the server in its
 * own process as users run it. Scenarios (each bounded in count and time):
 * - streams: N concurrent streaming chat requests at time scale 1; requests/s, errors, lost
 *   requests (sent − answered), each token's delivery lateness and each gap's error against the
 *   simulator's timeline, server CPU per request, server peak RSS;
 * - nonstream: closed loops of 64 and 256 connections sending short non-streaming requests at
 *   a time scale so large that the simulated GPU never waits: the server's own overhead;
 * - hello: the same closed loops against bench/hello-server.ts, a bare Fastify server, for what
 *   this machine can do at all;
 * - soak: mixed streaming and non-streaming requests at a steady rate for --soak-s seconds with
 *   the server's RSS and V8 heap sampled every 10 s, and the growth slope of the second half.
 * Flags: --scenarios streams,nonstream,hello,soak --streams 1000 --stream-tokens 64
 * --nonstream-s 20 --connections 64,256 --soak-s 600 --soak-rate 20 --json FILE (see `--help`).
 * Client and server share the machine's cores: the server's CPU per request (from /proc) gives
 * its ceiling on its own, 1 / cpu_per_request. The machine's TCP listen-queue overflows are
 * counted too: a burst of connections beyond the server's accept backlog waits for the client's
 * SYN retry (about 1 s), which shows as admission time, not as a lost request.
 */

import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, Pool, request } from 'undici';
import {
  type ClosedLoopResult,
  runClosedLoop,
  sendWhole,
  streamTimed,
} from '../src/bench/server-load-client.js';
import {
  type ListeningProcess,
  type ListenQueueCounters,
  listenQueueCounters,
  serveArguments,
  startListeningProcess,
} from '../src/bench/server-load-process.js';
import {
  type ErrorSummary,
  errorSummary,
  formatTable,
  type MemorySample,
  memorySlopeMibPerMinute,
  mib,
  RequestTally,
  type TallyFigures,
} from '../src/bench/server-load-stats.js';
import {
  type ObservedStream,
  type SimulatedTimeline,
  timingErrors,
} from '../src/bench/stream-timing.js';

const { values: flags } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'streams,nonstream,hello,soak' },
    streams: { type: 'string', default: '1000' },
    'stream-tokens': { type: 'string', default: '64' },
    'stream-prompt-words': { type: 'string', default: '100' },
    'stream-timeout-s': { type: 'string', default: '300' },
    'nonstream-s': { type: 'string', default: '20' },
    'nonstream-tokens': { type: 'string', default: '16' },
    'nonstream-time-scale': { type: 'string', default: '1000000' },
    connections: { type: 'string', default: '64,256' },
    'warmup-s': { type: 'string', default: '3' },
    'soak-s': { type: 'string', default: '600' },
    'soak-rate': { type: 'string', default: '20' },
    'soak-time-scale': { type: 'string', default: '10' },
    'soak-sample-s': { type: 'string', default: '10' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (flags.help) {
  console.log(
    'npm run bench:server -- [--scenarios streams,nonstream,hello,soak] [--streams 1000]\n' +
      '  [--stream-tokens 64] [--stream-prompt-words 100] [--stream-timeout-s 300]\n' +
      '  [--nonstream-s 20] [--nonstream-tokens 16] [--nonstream-time-scale 1000000]\n' +
      '  [--connections 64,256] [--warmup-s 3] [--soak-s 600] [--soak-rate 20]\n' +
      '  [--soak-time-scale 10] [--soak-sample-s 10] [--json FILE]',
  );
  process.exit(0);
}

function positive(name: keyof typeof flags): number {
  const value = Number(flags[name]);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`--${name} must be a positive number, got '${String(flags[name])}'`);
    process.exit(2);
  }
  return value;
}

const settings = {
  streams: Math.floor(positive('streams')),
  streamTokens: Math.floor(positive('stream-tokens')),
  streamPromptWords: Math.floor(positive('stream-prompt-words')),
  streamTimeoutS: positive('stream-timeout-s'),
  nonstreamS: positive('nonstream-s'),
  nonstreamTokens: Math.floor(positive('nonstream-tokens')),
  nonstreamTimeScale: positive('nonstream-time-scale'),
  connections: (flags.connections ?? '').split(',').map(Number),
  warmupS: Number(flags['warmup-s']),
  soakS: positive('soak-s'),
  soakRate: positive('soak-rate'),
  soakTimeScale: positive('soak-time-scale'),
  soakSampleS: positive('soak-sample-s'),
};
const scenarios = (flags.scenarios ?? '').split(',').filter((name) => name !== '');
const known = ['streams', 'nonstream', 'hello', 'soak'];
for (const name of scenarios) {
  if (!known.includes(name)) {
    console.error(`unknown scenario '${name}' (known: ${known.join(', ')})`);
    process.exit(2);
  }
}
if (settings.connections.some((count) => !Number.isInteger(count) || count <= 0)) {
  console.error(`--connections must be positive integers, got '${flags.connections}'`);
  process.exit(2);
}

const CHAT_PATH = '/v1/chat/completions';
/** Limit of one non-streaming request; at the large time scales used it answers in ms. */
const WHOLE_TIMEOUT_MS = 60_000;
/**
 * A timeline not yet fetched is fetched at once beyond this many: the server keeps the last 1000
 * (src/server/app.ts), so 250 more may finish while the oldest pending one is fetched.
 */
const TIMELINES_PENDING_MAX = 750;

const results: Record<string, unknown> = {};

function saveJson(): void {
  if (flags.json !== undefined) writeFileSync(flags.json, `${JSON.stringify(results, null, 2)}\n`);
}

/** A keep-alive dispatcher without a connection cap or timeouts of its own (requests bound theirs). */
function loadAgent(): Agent {
  return new Agent({
    connections: null,
    keepAliveTimeout: 60_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
}

function serverArguments(timeScale: number): string[] {
  return serveArguments(['--max-model-len', '8192', '--time-scale', String(timeScale)]);
}

function helloArguments(): string[] {
  return ['--import', 'tsx', fileURLToPath(new URL('./hello-server.ts', import.meta.url))];
}

function chatBody(options: { words: number; maxTokens: number; stream: boolean }): string {
  return JSON.stringify({
    messages: [{ role: 'user', content: 'word '.repeat(options.words).trim() }],
    max_tokens: options.maxTokens,
    ignore_eos: true,
    stream: options.stream,
  });
}

/** The engine line of the server's start-up text, for the record. */
function engineLine(server: ListeningProcess): string {
  return (server.startupLines.find((line) => line.trim().startsWith('engine')) ?? '').trim();
}

/** Prints (and returns) what the server printed since start-up or the last call. */
function reportServerOutput(server: ListeningProcess): string[] {
  const { lines, dropped } = server.takeOutput();
  const exit = server.exited();
  if (exit !== null) lines.push(`(the server process ended: ${exit})`);
  if (lines.length === 0 && dropped === 0) {
    console.log('server output since it started: none');
  } else {
    console.log(`server output since it started (${lines.length + dropped} lines):`);
    for (const line of lines) console.log(`  | ${line}`);
    if (dropped > 0) console.log(`  | ... ${dropped} more lines not kept`);
  }
  return lines;
}

/** Listen-queue counters gained since `before` (machine-wide: other programs' too). */
function listenQueueGrowth(before: ListenQueueCounters): ListenQueueCounters {
  const after = listenQueueCounters();
  return {
    listenOverflows: after.listenOverflows - before.listenOverflows,
    listenDrops: after.listenDrops - before.listenDrops,
    syncookiesSent: after.syncookiesSent - before.syncookiesSent,
  };
}

function listenQueueText(growth: ListenQueueCounters): string {
  return `${growth.listenOverflows} / ${growth.listenDrops} / ${growth.syncookiesSent}`;
}

function printTally(tally: TallyFigures): void {
  for (const { kind, reason, count } of tally.reasons) {
    console.log(`  ${kind} x${count}: ${reason}`);
  }
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/**
 * Fetches the simulator's timeline of finished streams: late (after the measured window, so the
 * server's CPU figure holds only the load) unless so many wait that the server's bounded store
 * could drop the oldest before they are fetched.
 */
class TimelineCollector {
  readonly timelines = new Map<string, SimulatedTimeline>();
  readonly missing: string[] = [];
  private readonly pending: string[] = [];
  private readonly fetches: Promise<void>[] = [];
  private fetchedEarly = 0;

  constructor(
    private readonly url: string,
    private readonly dispatcher: Agent,
  ) {}

  finished(requestId: string): void {
    this.pending.push(requestId);
    while (this.pending.length > TIMELINES_PENDING_MAX) {
      this.fetchedEarly += 1;
      this.fetches.push(this.fetch(this.pending.shift() as string));
    }
  }

  /** Timelines fetched while the load ran (their cost is in the server's CPU figure). */
  earlyCount(): number {
    return this.fetchedEarly;
  }

  /** Fetches the rest; resolves how many were fetched late. */
  async drain(): Promise<number> {
    await Promise.all(this.fetches);
    const queue = this.pending.splice(0);
    const late = queue.length;
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.fetch(id);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return late;
  }

  private async fetch(requestId: string): Promise<void> {
    try {
      const response = await request(`${this.url}/debug/requests/${requestId}`, {
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(30_000),
      });
      if (response.statusCode !== 200) {
        await response.body.dump();
        this.missing.push(`${requestId}: HTTP ${response.statusCode}`);
        return;
      }
      this.timelines.set(requestId, (await response.body.json()) as SimulatedTimeline);
    } catch (error) {
      this.missing.push(`${requestId}: ${String(error)}`);
    }
  }
}

function summaryRow(label: string, summary: ErrorSummary): string[] {
  return [
    label,
    String(summary.count),
    fixed(summary.p50Ms, 2),
    fixed(summary.p99Ms, 2),
    fixed(summary.maxMs, 2),
    fixed(summary.minSignedMs, 2),
  ];
}

async function streamsScenario(): Promise<void> {
  const count = settings.streams;
  console.log(
    `\n== streams: ${count} concurrent streaming chats, ${settings.streamTokens} tokens each ` +
      `(ignore_eos), ~${settings.streamPromptWords}-word prompt, time scale 1`,
  );
  const server = await startListeningProcess({ nodeArguments: serverArguments(1) });
  const agent = loadAgent();
  try {
    console.log(`server ${server.url}; ${engineLine(server)}`);
    const body = chatBody({
      words: settings.streamPromptWords,
      maxTokens: settings.streamTokens,
      stream: true,
    });
    const load = {
      url: server.url,
      path: CHAT_PATH,
      bodyText: body,
      dispatcher: agent,
      timeoutMs: settings.streamTimeoutS * 1000,
    };
    // Warm-up: JIT on both sides and a few open connections; not counted.
    // (What the server prints meanwhile is kept: a warning from the warm-up is still a warning.)
    await Promise.all(Array.from({ length: 16 }, () => streamTimed(load)));

    const tally = new RequestTally();
    const collector = new TimelineCollector(server.url, agent);
    const observed: ObservedStream[] = [];
    const listenBefore = listenQueueCounters();
    const cpuBeforeS = server.cpuSeconds();
    const clientCpuBefore = process.cpuUsage();
    const startMs = performance.now();
    await Promise.all(
      Array.from({ length: count }, async () => {
        tally.sent();
        const stream = await streamTimed(load);
        tally.settle(stream.fate);
        if (stream.observed !== null) {
          observed.push(stream.observed);
          collector.finished(stream.observed.requestId);
        }
      }),
    );
    const elapsedS = (performance.now() - startMs) / 1000;
    const cpuS = server.cpuSeconds() - cpuBeforeS;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const memory = server.memory();
    const listenGrowth = listenQueueGrowth(listenBefore);
    const drainCpuBeforeS = server.cpuSeconds();
    const drained = await collector.drain();
    // Timelines fetched during the load cost the server CPU too: estimate it from the late ones.
    const cpuPerTimelineS =
      drained > 0 ? (server.cpuSeconds() - drainCpuBeforeS) / drained : Number.NaN;
    const cpuLoadOnlyS =
      collector.earlyCount() === 0 ? cpuS : cpuS - collector.earlyCount() * cpuPerTimelineS;

    const lateness: number[] = [];
    const gaps: number[] = [];
    const ttft: number[] = [];
    const admission: number[] = [];
    const mismatches: string[] = [];
    let tokens = 0;
    for (const stream of observed) {
      tokens += stream.tokenMs.length;
      const timeline = collector.timelines.get(stream.requestId);
      if (timeline === undefined) continue;
      try {
        const errors = timingErrors(stream, timeline);
        lateness.push(...errors.deliveryLatenessMs);
        gaps.push(...errors.gapErrorsMs);
        ttft.push(errors.ttftErrorMs);
        admission.push(errors.admissionMs);
      } catch (error) {
        mismatches.push(`${stream.requestId}: ${String(error)}`);
      }
    }
    const figures = tally.figures();
    const answeredPerS = figures.answered / elapsedS;
    const cpuMsPerRequest = (cpuLoadOnlyS * 1000) / figures.sent;
    const admissionOver1s = admission.filter((value) => value >= 1000).length;
    console.log(
      formatTable(
        ['streams', 'value'],
        [
          ['sent', String(figures.sent)],
          ['answered', String(figures.answered)],
          ['ok', String(figures.ok)],
          ['errors (answered, not ok)', String(figures.failed)],
          ['lost (sent - answered)', String(figures.lost)],
          ['wall time, s', fixed(elapsedS, 2)],
          ['requests/s (answered)', fixed(answeredPerS, 1)],
          ['tokens/s received', fixed(tokens / elapsedS, 0)],
          ['server CPU, s', fixed(cpuS, 2)],
          ...(collector.earlyCount() > 0
            ? [
                [
                  `  less ${collector.earlyCount()} timeline GETs during the load (est.)`,
                  fixed(cpuLoadOnlyS, 2),
                ],
              ]
            : []),
          ['server CPU per request, ms', fixed(cpuMsPerRequest, 2)],
          ['server CPU per token, µs', fixed((cpuLoadOnlyS * 1e6) / Math.max(tokens, 1), 1)],
          [
            'client CPU per request, ms',
            fixed((clientCpu.user + clientCpu.system) / 1000 / figures.sent, 2),
          ],
          ['server RSS at end, MiB', mib(memory.rssBytes)],
          ['server peak RSS (VmHWM), MiB', mib(memory.peakRssBytes)],
          ['TCP listen overflows / drops / SYN cookies', listenQueueText(listenGrowth)],
          ['requests admitted >= 1 s after sending', String(admissionOver1s)],
        ],
      ),
    );
    printTally(figures);
    console.log(
      `\ntiming against the simulated timeline, ms (p50/p99/max of |error|, min signed); ` +
        `${collector.timelines.size} timelines` +
        (collector.earlyCount() > 0 ? ` (${collector.earlyCount()} fetched during the load)` : ''),
    );
    const summaries = {
      deliveryLateness: errorSummary(lateness),
      gapError: errorSummary(gaps),
      ttftError: errorSummary(ttft),
      admission: errorSummary(admission),
    };
    console.log(
      formatTable(
        ['per token / request', 'n', 'p50', 'p99', 'max', 'min'],
        [
          summaryRow('token delivery lateness', summaries.deliveryLateness),
          summaryRow('inter-token gap error', summaries.gapError),
          summaryRow('TTFT error', summaries.ttftError),
          summaryRow('admission (send -> arrival)', summaries.admission),
        ],
      ),
    );
    for (const line of [...collector.missing, ...mismatches].slice(0, 10)) {
      console.log(`  timeline problem: ${line}`);
    }
    if (collector.missing.length + mismatches.length > 10) {
      console.log(
        `  ... ${collector.missing.length + mismatches.length - 10} more timeline problems`,
      );
    }
    const serverOutput = reportServerOutput(server);
    results.streams = {
      settings: {
        streams: count,
        tokens: settings.streamTokens,
        promptWords: settings.streamPromptWords,
        timeScale: 1,
      },
      engine: engineLine(server),
      tally: figures,
      elapsedS,
      answeredPerS,
      tokensReceived: tokens,
      serverCpuS: cpuS,
      serverCpuLoadOnlyS: cpuLoadOnlyS,
      serverCpuMsPerRequest: cpuMsPerRequest,
      listenQueueGrowth: listenGrowth,
      admissionOver1s,
      clientCpuS: (clientCpu.user + clientCpu.system) / 1e6,
      serverRssBytes: memory.rssBytes,
      serverPeakRssBytes: memory.peakRssBytes,
      timelines: collector.timelines.size,
      timelinesFetchedDuringLoad: collector.earlyCount(),
      timelineProblems: [...collector.missing, ...mismatches],
      timing: summaries,
      serverOutput,
    };
    saveJson();
  } finally {
    await agent.close();
    await server.stop();
  }
}

interface LoopFigures {
  readonly connections: number;
  readonly tally: TallyFigures;
  readonly elapsedS: number;
  readonly answeredPerS: number;
  readonly serverCpuS: number;
  readonly serverCpuUsPerRequest: number;
  readonly clientCpuUsPerRequest: number;
  readonly serverRssBytes: number;
  readonly serverPeakRssBytes: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly listenQueueGrowth: ListenQueueCounters;
}

/** Closed loops at each connection count against one server process. */
async function closedLoops(server: ListeningProcess, body: string): Promise<LoopFigures[]> {
  const measured: LoopFigures[] = [];
  for (const connections of settings.connections) {
    const pool = new Pool(server.url, {
      connections,
      pipelining: 1,
      keepAliveTimeout: 60_000,
    });
    try {
      const load = {
        url: server.url,
        path: CHAT_PATH,
        bodyText: body,
        dispatcher: pool,
        timeoutMs: WHOLE_TIMEOUT_MS,
      };
      // Warm-up opens the connections and lets both sides' JIT settle; not counted.
      if (settings.warmupS > 0) {
        await runClosedLoop({ load, connections, durationS: settings.warmupS });
      }
      const listenBefore = listenQueueCounters();
      const cpuBeforeS = server.cpuSeconds();
      const clientCpuBefore = process.cpuUsage();
      const result: ClosedLoopResult = await runClosedLoop({
        load,
        connections,
        durationS: settings.nonstreamS,
      });
      const serverCpuS = server.cpuSeconds() - cpuBeforeS;
      const clientCpu = process.cpuUsage(clientCpuBefore);
      const memory = server.memory();
      const tally = result.tally.figures();
      const latencies = errorSummary(result.latenciesMs);
      measured.push({
        connections,
        tally,
        elapsedS: result.elapsedS,
        answeredPerS: tally.answered / result.elapsedS,
        serverCpuS,
        serverCpuUsPerRequest: (serverCpuS * 1e6) / tally.sent,
        clientCpuUsPerRequest: (clientCpu.user + clientCpu.system) / tally.sent,
        serverRssBytes: memory.rssBytes,
        serverPeakRssBytes: memory.peakRssBytes,
        latencyP50Ms: latencies.p50Ms,
        latencyP99Ms: latencies.p99Ms,
        listenQueueGrowth: listenQueueGrowth(listenBefore),
      });
    } finally {
      await pool.close();
    }
  }
  return measured;
}

function printLoops(title: string, loops: readonly LoopFigures[]): void {
  console.log(
    formatTable(
      [
        title,
        'sent',
        'ok',
        'errors',
        'lost',
        'wall s',
        'req/s',
        'p50 ms',
        'p99 ms',
        'srv CPU s',
        'srv µs/req',
        'srv ceiling req/s',
        'client µs/req',
        'RSS MiB',
        'peak RSS MiB',
      ],
      loops.map((loop) => [
        `${loop.connections} connections`,
        String(loop.tally.sent),
        String(loop.tally.ok),
        String(loop.tally.failed),
        String(loop.tally.lost),
        fixed(loop.elapsedS, 1),
        fixed(loop.answeredPerS, 0),
        fixed(loop.latencyP50Ms, 2),
        fixed(loop.latencyP99Ms, 2),
        fixed(loop.serverCpuS, 2),
        fixed(loop.serverCpuUsPerRequest, 0),
        fixed(1e6 / loop.serverCpuUsPerRequest, 0),
        fixed(loop.clientCpuUsPerRequest, 0),
        mib(loop.serverRssBytes),
        mib(loop.serverPeakRssBytes),
      ]),
    ),
  );
  for (const loop of loops) {
    const growth = loop.listenQueueGrowth;
    if (loop.tally.reasons.length > 0 || growth.listenOverflows > 0 || growth.listenDrops > 0) {
      console.log(
        `${loop.connections} connections: TCP listen overflows / drops / SYN cookies ` +
          listenQueueText(growth),
      );
    }
    printTally(loop.tally);
  }
  console.log('(srv ceiling = 1 / server CPU per request: the rate with a core to itself)');
}

async function nonstreamScenario(): Promise<void> {
  const timeScale = settings.nonstreamTimeScale;
  console.log(
    `\n== nonstream: closed loops of ${settings.connections.join(', ')} connections, ` +
      `${settings.nonstreamS} s each, max_tokens ${settings.nonstreamTokens}, time scale ${timeScale}`,
  );
  const server = await startListeningProcess({ nodeArguments: serverArguments(timeScale) });
  try {
    console.log(`server ${server.url}; ${engineLine(server)}`);
    const loops = await closedLoops(
      server,
      chatBody({ words: 10, maxTokens: settings.nonstreamTokens, stream: false }),
    );
    printLoops('nonstream', loops);
    const serverOutput = reportServerOutput(server);
    results.nonstream = { timeScale, engine: engineLine(server), loops, serverOutput };
    saveJson();
  } finally {
    await server.stop();
  }
}

async function helloScenario(): Promise<void> {
  console.log(
    `\n== hello: bench/hello-server.ts (bare Fastify), closed loops of ` +
      `${settings.connections.join(', ')} connections, ${settings.nonstreamS} s each`,
  );
  const server = await startListeningProcess({ nodeArguments: helloArguments() });
  try {
    console.log(`server ${server.url}`);
    const loops = await closedLoops(
      server,
      chatBody({ words: 10, maxTokens: settings.nonstreamTokens, stream: false }),
    );
    printLoops('hello', loops);
    const serverOutput = reportServerOutput(server);
    results.hello = { loops, serverOutput };
    saveJson();
  } finally {
    await server.stop();
  }
}

/** `nodejs_heap_size_used_bytes` from the server's Prometheus text, or null. */
async function heapUsedBytes(url: string, dispatcher: Agent): Promise<number | null> {
  try {
    const response = await request(`${url}/metrics`, {
      dispatcher,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.body.text();
    const match = text.match(/^nodejs_heap_size_used_bytes (\S+)$/m);
    return match?.[1] === undefined ? null : Number(match[1]);
  } catch {
    return null;
  }
}

async function soakScenario(): Promise<void> {
  const { soakS, soakRate, soakTimeScale, soakSampleS } = settings;
  console.log(
    `\n== soak: ${soakRate} requests/s for ${soakS} s (alternately streaming ${settings.streamTokens} ` +
      `tokens and non-streaming ${settings.nonstreamTokens}), time scale ${soakTimeScale}, ` +
      `memory every ${soakSampleS} s`,
  );
  const server = await startListeningProcess({ nodeArguments: serverArguments(soakTimeScale) });
  const agent = loadAgent();
  try {
    console.log(`server ${server.url}; ${engineLine(server)}`);
    const streamLoad = {
      url: server.url,
      path: CHAT_PATH,
      bodyText: chatBody({
        words: settings.streamPromptWords,
        maxTokens: settings.streamTokens,
        stream: true,
      }),
      dispatcher: agent,
      timeoutMs: settings.streamTimeoutS * 1000,
    };
    const wholeLoad = {
      ...streamLoad,
      bodyText: chatBody({ words: 10, maxTokens: settings.nonstreamTokens, stream: false }),
      timeoutMs: WHOLE_TIMEOUT_MS,
    };
    const tally = new RequestTally();
    const samples: MemorySample[] = [];
    const inFlight = new Set<Promise<void>>();
    // An open loop must not pile up without bound if the server stalls.
    const inFlightMax = Math.max(1000, soakRate * 60);
    let skipped = 0;
    const startMs = performance.now();
    const sample = async () => {
      const elapsedS = (performance.now() - startMs) / 1000;
      const heap = await heapUsedBytes(server.url, agent);
      samples.push({ elapsedS, rssBytes: server.memory().rssBytes, heapUsedBytes: heap });
    };
    await sample();
    const cpuBeforeS = server.cpuSeconds();
    let nextSampleS = soakSampleS;
    for (let index = 0; ; index++) {
      const dueMs = startMs + (index * 1000) / soakRate;
      if (dueMs - startMs >= soakS * 1000) break;
      const waitMs = dueMs - performance.now();
      if (waitMs > 0) await sleep(waitMs);
      if ((performance.now() - startMs) / 1000 >= nextSampleS) {
        nextSampleS += soakSampleS;
        void sample();
      }
      if (inFlight.size >= inFlightMax) {
        skipped += 1;
        continue;
      }
      tally.sent();
      const sending = (
        index % 2 === 0
          ? streamTimed(streamLoad).then((stream) => stream.fate)
          : sendWhole(wholeLoad)
      ).then((fate) => {
        tally.settle(fate);
        inFlight.delete(sending);
      });
      inFlight.add(sending);
    }
    await Promise.all(inFlight);
    const elapsedS = (performance.now() - startMs) / 1000;
    const cpuS = server.cpuSeconds() - cpuBeforeS;
    await sample();
    const memory = server.memory();
    const figures = tally.figures();

    console.log(
      formatTable(
        ['t s', 'RSS MiB', 'heap used MiB'],
        samples.map((entry) => [
          fixed(entry.elapsedS, 0),
          mib(entry.rssBytes),
          mib(entry.heapUsedBytes),
        ]),
      ),
    );
    const first = samples[0] as MemorySample;
    const last = samples.at(-1) as MemorySample;
    const maxRss = Math.max(...samples.map((entry) => entry.rssBytes));
    const heaps = samples.map((entry) => entry.heapUsedBytes).filter((value) => value !== null);
    const rssSlope = memorySlopeMibPerMinute(samples, (entry) => entry.rssBytes);
    const heapSlope = memorySlopeMibPerMinute(samples, (entry) => entry.heapUsedBytes);
    console.log(
      formatTable(
        ['soak', 'value'],
        [
          ['sent', String(figures.sent)],
          ['ok', String(figures.ok)],
          ['errors (answered, not ok)', String(figures.failed)],
          ['lost (sent - answered)', String(figures.lost)],
          ['not sent (client in-flight cap)', String(skipped)],
          ['requests/s (answered)', fixed(figures.answered / elapsedS, 1)],
          ['server CPU per request, ms', fixed((cpuS * 1000) / figures.sent, 3)],
          [
            'RSS first / last / max, MiB',
            `${mib(first.rssBytes)} / ${mib(last.rssBytes)} / ${mib(maxRss)}`,
          ],
          ['peak RSS (VmHWM), MiB', mib(memory.peakRssBytes)],
          [
            'heap first / last / max, MiB',
            `${mib(first.heapUsedBytes)} / ${mib(last.heapUsedBytes)} / ${mib(heaps.length > 0 ? Math.max(...heaps) : null)}`,
          ],
          ['RSS slope, 2nd half, MiB/min', fixed(rssSlope, 3)],
          ['heap slope, 2nd half, MiB/min', fixed(heapSlope, 3)],
        ],
      ),
    );
    printTally(figures);
    const serverOutput = reportServerOutput(server);
    results.soak = {
      settings: { soakS, soakRate, soakTimeScale, soakSampleS },
      tally: figures,
      skipped,
      elapsedS,
      serverCpuS: cpuS,
      samples,
      rssSlopeMibPerMinute: rssSlope,
      heapSlopeMibPerMinute: heapSlope,
      serverPeakRssBytes: memory.peakRssBytes,
      serverOutput,
    };
    saveJson();
  } finally {
    await agent.close();
    await server.stop();
  }
}

const runners: Record<string, () => Promise<void>> = {
  streams: streamsScenario,
  nonstream: nonstreamScenario,
  hello: helloScenario,
  soak: soakScenario,
};
console.log(`server load benchmark; node ${process.version}; scenarios ${scenarios.join(', ')}`);
for (const name of scenarios) await (runners[name] as () => Promise<void>)();
if (flags.json !== undefined) console.log(`\nfigures written to ${flags.json}`);
