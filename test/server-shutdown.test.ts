/**
 * @module Graceful shutdown of a real `llmservingsim serve` process: SIGTERM/SIGINT stop the
 * listener at once, let the requests in flight finish within `--shutdown-timeout`, end the rest
 * with an OpenAI-shaped error (an error event in a stream, 503 otherwise), and exit 0.
 */

import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serveArguments, startListeningProcess } from '../src/bench/server-load-process.js';

/** A serve process on a free port, started from the sources, with `extra` flags. */
function startServe(extra: readonly string[]) {
  return startListeningProcess({
    nodeArguments: serveArguments(['--max-model-len', '8192', ...extra]),
    timeoutMs: 30_000,
  });
}

/** A request whose whole response body is collected; `started` resolves at its first bytes. */
function post(url: string, body: object) {
  const client = httpRequest(new URL('/v1/chat/completions', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
  });
  let started: () => void = () => {};
  const firstBytes = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = new Promise<{ status: number; text: string }>((resolve, reject) => {
    client.on('response', (response) => {
      let text = '';
      if (
        response.statusCode !== 200 ||
        !String(response.headers['content-type']).includes('event')
      )
        started();
      response.on('data', (bytes: Buffer) => {
        text += bytes.toString();
        started();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    client.on('error', reject);
  });
  client.end(JSON.stringify(body));
  return { firstBytes, done };
}

function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

describe('serve under SIGTERM and SIGINT', () => {
  it('SIGTERM: refuses new connections, lets a stream in flight finish, exits 0', async () => {
    const server = await startServe(['--shutdown-timeout', '60']);
    const { url } = server;
    const stream = post(url, {
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 120,
      ignore_eos: true,
      stream: true,
      stream_options: { include_usage: true },
    });
    await stream.firstBytes;
    server.kill('SIGTERM');
    // Give the signal a moment to land, then try a new connection: the listener is closed.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => `status ${response.status}`,
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe('ECONNREFUSED');
    const { status, text } = await stream.done;
    expect(status).toBe(200);
    const events = dataEvents(text);
    expect(events.at(-1)).toBe('[DONE]');
    const usage = JSON.parse(events.at(-2) ?? '{}').usage;
    expect(usage.completion_tokens).toBe(120);
    // It exits as soon as the stream is done, long before the 60 s allowed.
    expect(await server.whenExited()).toBe(0);
  }, 40_000);

  it('SIGINT: what is still running at --shutdown-timeout ends with an error, exits 0', async () => {
    const server = await startServe(['--shutdown-timeout', '0.5']);
    const { url } = server;
    const long = { messages: [{ role: 'user', content: 'Hello' }], max_tokens: 4000 };
    const stream = post(url, { ...long, ignore_eos: true, stream: true });
    const plain = post(url, { ...long, ignore_eos: true });
    await stream.firstBytes;
    server.kill('SIGINT');
    const streamed = await stream.done;
    const events = dataEvents(streamed.text);
    expect(events.length).toBeGreaterThan(2);
    expect(events.at(-1)).toBe('[DONE]');
    expect(JSON.parse(events.at(-2) ?? '{}').error).toMatchObject({
      type: 'server_error',
      code: 'service_unavailable',
    });
    const answered = await plain.done;
    expect(answered.status).toBe(503);
    expect(JSON.parse(answered.text).error).toMatchObject({
      type: 'server_error',
      code: 'service_unavailable',
      param: null,
    });
    expect(await server.whenExited()).toBe(0);
  }, 40_000);
});
