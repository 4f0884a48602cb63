/**
 * @module `llmservingsim serve` end to end in-process: start-up lines, flags over environment
 * variables, the historical underscore interface, several models, start-up errors as one line,
 * and a client that disconnects mid-stream freeing its KV blocks.
 */

import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/cli-io.js';
import { translateHistoricalArguments } from '../src/cli/historical-flags.js';
import { EXIT_USAGE, runCli } from '../src/cli/main.js';

/** `serve` on 127.0.0.1 and a free port. */
const SERVE_LOCALLY = ['serve', '--host', '127.0.0.1', '--port', '0'];

interface RunningCli {
  readonly url: string;
  readonly stdout: () => string;
  /** Stops the server and resolves the exit status. */
  stop(): Promise<number>;
}

function cliIo(environment: Record<string, string>, stop: AbortController) {
  const output = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
    stderrIsTty: false,
    environment,
    stopSignal: stop.signal,
    logDestination: { write: () => undefined },
  };
  return { io, output };
}

/** Runs the CLI until it prints its address (or exits), within 20 s. */
async function startCli(argv: string[], environment: Record<string, string> = {}) {
  const controller = new AbortController();
  const { io, output } = cliIo(environment, controller);
  const exit = runCli(argv, io);
  const deadline = Date.now() + 20_000;
  let exited: number | undefined;
  void exit.then((code) => {
    exited = code;
  });
  while (exited === undefined && !output.stdout.includes('listening on') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const url = output.stdout.match(/listening on (http:\/\/\S+)/)?.[1];
  const running: RunningCli = {
    url: url ?? '',
    stdout: () => output.stdout,
    stop: async () => {
      controller.abort();
      return exit;
    },
  };
  return { running, exited: () => exited, output };
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = Record<string, any>;

async function json(url: string, init?: RequestInit) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Json };
}

describe('serve from the command line', () => {
  it('states model, hardware, parallelism, KV capacity and address; stops on the signal', async () => {
    const { running } = await startCli([
      ...SERVE_LOCALLY,
      '--time-scale',
      '100',
      '--max-model-len',
      '8192',
    ]);
    try {
      const text = running.stdout();
      expect(text).toContain('model meta-llama/Llama-3.1-8B-Instruct');
      expect(text).toMatch(/hardware\s+1 x H100, tensor parallel 1, pipeline parallel 1/);
      expect(text).toMatch(/KV cache\s+[\d,]+ tokens in [\d,]+ blocks of 16/);
      expect(text).toContain('tokenizer  llama3 (exact)');
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await json(`${running.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      expect(await running.stop()).toBe(0);
    }
  });

  it('takes host, port and model from LLMSERVINGSIM_* unless flags say otherwise', async () => {
    const { running } = await startCli(['serve', '--port', '0', '--time-scale', '100'], {
      LLMSERVINGSIM_HOST: '127.0.0.1',
      LLMSERVINGSIM_PORT: '1',
      LLMSERVINGSIM_MODEL: 'Qwen/Qwen3-8B',
    });
    try {
      // The --port flag (0) beat LLMSERVINGSIM_PORT (1, which would need privileges).
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const models = await json(`${running.url}/v1/models`);
      expect(models.body.data.map((card: { id: string }) => card.id)).toEqual(['Qwen/Qwen3-8B']);
    } finally {
      await running.stop();
    }
  });

  it('accepts the historical interface', async () => {
    const { running } = await startCli([
      '--idle_mode',
      '--http_host',
      '127.0.0.1',
      '--http_port',
      '0',
      '--model_name',
      'meta-llama/Llama-3.1-8B-Instruct',
      '--hardware',
      'RTX3090',
      '--npu_num',
      '1',
      '--npu_mem',
      '40',
      '--verbose',
      '--max-model-len',
      '4096',
    ]);
    try {
      expect(running.stdout()).toContain('1 x RTX3090');
      const status = await json(`${running.url}/status`);
      expect(status.body.memory_usage.total).toBe(40 * 2 ** 30);
      const reply = await json(`${running.url}/v1/completions`, {
        method: 'POST',
        body: JSON.stringify({ prompt: 'The future of AI is', max_tokens: 5 }),
        headers: { 'content-type': 'application/json' },
      });
      expect(reply.status).toBe(200);
    } finally {
      await running.stop();
    }
  });

  it('serves several models, each on its own instance, under the names given', async () => {
    const { running } = await startCli([
      ...SERVE_LOCALLY,
      '--time-scale',
      '100',
      '--model',
      'meta-llama/Llama-3.1-8B-Instruct',
      '--model',
      'Qwen/Qwen3-8B',
      '--served-model-name',
      'llama',
      '--served-model-name',
      'qwen',
      '--max-model-len',
      '8192',
    ]);
    try {
      const models = await json(`${running.url}/v1/models`);
      expect(models.body.data.map((card: { id: string }) => card.id)).toEqual(['llama', 'qwen']);
      const reply = await json(`${running.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          model: 'qwen',
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 3,
        }),
      });
      expect(reply.body.model).toBe('qwen');
      const status = await json(`${running.url}/status`);
      const completed = status.body.models.map(
        (entry: { completed_requests: number }) => entry.completed_requests,
      );
      expect(completed).toEqual([0, 1]);
    } finally {
      await running.stop();
    }
  });

  it('fails with one line and exit 2 when the port is taken or a flag is bad', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const taken = await startCli(['serve', '--host', '127.0.0.1', '--port', String(port)]);
      expect(taken.exited()).toBe(EXIT_USAGE);
      expect(taken.output.stderr).toMatch(/^llmservingsim: error: cannot listen on .*in use.*\n$/);
    } finally {
      blocker.close();
    }
    const scale = await startCli(['serve', '--time-scale', '0']);
    expect(scale.exited()).toBe(EXIT_USAGE);
    expect(scale.output.stderr.trim().split('\n')).toHaveLength(1);
    for (const [flags, message] of [
      [['--failure-rate', '1.5'], '--failure-rate must be between 0 and 1'],
      [['--failure-rate', '0.1', '--failure-kinds', '429,teapot'], "unknown failure kind 'teapot'"],
      [['--max-n', '0'], '--max-n must be an integer of at least 1'],
      [['--shutdown-timeout', '-1'], '--shutdown-timeout must be 0 or more'],
      [['--max-connections', '0'], '--max-connections must be an integer of at least 1'],
    ] as const) {
      const bad = await startCli(['serve', ...flags]);
      expect(bad.exited()).toBe(EXIT_USAGE);
      expect(bad.output.stderr).toContain(message);
      expect(bad.output.stderr.trim().split('\n')).toHaveLength(1);
    }
    const mode = await startCli(['serve', '--response-mode', 'poetry']);
    expect(mode.output.stderr).toContain('--response-mode must be lorem or echo');
    const names = await startCli([
      'serve',
      '--model',
      'llama-3.1-8b',
      '--model',
      'qwen/qwen3-8b',
      '--served-model-name',
      'only-one',
    ]);
    expect(names.output.stderr).toContain('one name per model');
    const twice = await startCli(['serve', '--model', 'llama-3.1-8b', '--model', 'llama-3.1-8b']);
    expect(twice.exited()).toBe(EXIT_USAGE);
    expect(twice.output.stderr).toMatch(/^llmservingsim: error: .*served twice.*\n$/);
  });

  it('aborts a request whose client disconnects mid-stream and frees its KV blocks', async () => {
    const { running } = await startCli([...SERVE_LOCALLY, '--max-model-len', '8192']);
    try {
      const url = new URL('/v1/chat/completions', running.url);
      const client = httpRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      });
      const firstData = new Promise<void>((resolve, reject) => {
        client.on('response', (response) => response.once('data', () => resolve()));
        client.on('error', reject);
      });
      client.end(
        JSON.stringify({
          messages: [{ role: 'user', content: 'long answer please '.repeat(100) }],
          max_tokens: 2000,
          ignore_eos: true,
          stream: true,
        }),
      );
      await firstData;
      const during = await json(`${running.url}/status`);
      expect(during.body.running_requests).toBe(1);
      expect(during.body.kv_cache.used_blocks).toBeGreaterThan(0);
      client.destroy();
      let after = during;
      for (let attempt = 0; attempt < 100 && after.body.running_requests > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        after = await json(`${running.url}/status`);
      }
      expect(after.body.running_requests).toBe(0);
      expect(after.body.kv_cache.used_blocks).toBe(0);
      expect(after.body.models[0].aborted_requests).toBe(1);
      expect(after.body.completed_requests).toBe(0);
    } finally {
      await running.stop();
    }
  });
});

describe('fault injection from the command line', () => {
  it('fails the same requests the same way for the same --seed, and says so at start', async () => {
    const statuses = async (seed: string) => {
      const { running } = await startCli([
        ...SERVE_LOCALLY,
        '--time-scale',
        '1000',
        '--failure-rate',
        '0.5',
        '--failure-kinds',
        '429,503',
        '--seed',
        seed,
      ]);
      try {
        expect(running.stdout()).toContain(
          `injecting failures into 50% of completion requests (429, 503; seed ${seed})`,
        );
        const seen: number[] = [];
        for (let index = 0; index < 24; index++) {
          const response = await json(`${running.url}/v1/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ prompt: 'Hi', max_tokens: 2 }),
          });
          if (response.status !== 200) expect(response.body.error.message).toContain('injected');
          seen.push(response.status);
        }
        return seen;
      } finally {
        await running.stop();
      }
    };
    const first = await statuses('4');
    expect(await statuses('4')).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 503]));
    expect(await statuses('5')).not.toEqual(first);
  });
});

describe('stopping the server', () => {
  it('ends a stream still running after --shutdown-timeout with an error event, exit 0', async () => {
    const { running } = await startCli([
      ...SERVE_LOCALLY,
      '--max-model-len',
      '8192',
      '--shutdown-timeout',
      '0.2',
    ]);
    const url = new URL('/v1/chat/completions', running.url);
    const client = httpRequest(url, { method: 'POST' });
    let body = '';
    const firstData = new Promise<void>((resolve, reject) => {
      client.on('response', (response) => {
        response.once('data', () => resolve());
        response.on('data', (bytes: Buffer) => {
          body += bytes.toString();
        });
      });
      client.on('error', reject);
    });
    client.end(
      JSON.stringify({
        messages: [{ role: 'user', content: 'a long answer' }],
        max_tokens: 5000,
        ignore_eos: true,
        stream: true,
      }),
    );
    await firstData;
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    expect(await running.stop()).toBe(0);
    await closed;
    expect(running.stdout()).toContain('shutting down: draining for up to 0.2 s');
    const events = body.split('\n\n').filter((block) => block.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    const error = JSON.parse((events.at(-2) ?? '').slice('data: '.length)).error;
    expect(error).toMatchObject({ type: 'server_error', code: 'service_unavailable' });
  });
});

describe('translateHistoricalArguments', () => {
  it('maps --idle_mode to serve and renames the underscore flags, = forms included', () => {
    expect(
      translateHistoricalArguments([
        '--idle_mode',
        '--http_host=0.0.0.0',
        '--http_port',
        '9000',
        '--model_name',
        'm',
        '--npu_num',
        '2',
        '--npu_mem=40',
        '--verbose',
      ]),
    ).toEqual({
      argv: [
        'serve',
        '--host=0.0.0.0',
        '--port',
        '9000',
        '--model',
        'm',
        '--npu-num',
        '2',
        '--npu-mem=40',
        '--verbose',
      ],
    });
  });

  it('maps a run without --idle_mode to simulate and refuses server-only flags there', () => {
    expect(translateHistoricalArguments(['--model_name', 'm', '--npu_num', '2'])).toEqual({
      argv: ['simulate', '--model', 'm', '--npu-num', '2'],
    });
    expect(translateHistoricalArguments(['--model_name', 'm', '--http_port', '1'])).toEqual({
      error: "--http_port applies to the server only: add --idle_mode (or use 'serve')",
    });
  });
});
