/**
 * @module Clients misbehaving over real sockets: one that leaves mid-request frees its simulated
 * KV blocks at once (seen in `/status`), one that stops reading does not hold up another stream
 * and still gets everything when it reads again, and connections over `--max-connections` are
 * closed while the ones inside keep working.
 */

import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LiveServer } from '../src/server/live-server.js';
import { startTestServer } from './support/live-server.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are read field by field.
type Json = Record<string, any>;

let server: LiveServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Opens a socket to the server and writes one HTTP/1.1 POST of `body` to `path`. */
function rawPost(url: string, path: string, body: object): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      );
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function status(url: string): Promise<Json> {
  const response = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
  return (await response.json()) as Json;
}

/** Polls `/status` (every 10 ms, at most 2 s) until `done` holds; returns the last reading. */
async function statusWhen(url: string, done: (body: Json) => boolean): Promise<Json> {
  let body = await status(url);
  for (let attempt = 0; attempt < 200 && !done(body); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    body = await status(url);
  }
  return body;
}

/** Everything a socket receives until it closes (within 20 s). */
function received(socket: Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error('socket still open after 20 s')), 20_000);
    socket.on('data', (bytes: Buffer) => {
      text += bytes.toString();
      if (text.endsWith('data: [DONE]\n\n') || text.endsWith('0\r\n\r\n')) socket.end();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

const LONG_CHAT = {
  messages: [{ role: 'user', content: 'Tell me everything.' }],
  max_tokens: 4000,
  ignore_eos: true,
};

describe('a client that goes away', () => {
  it('mid-request (no stream) frees its KV blocks at once', async () => {
    server = await startTestServer({ timeScale: 1, engine: { maxModelLen: 8192 } });
    const url = server.url;
    const socket = await rawPost(url, '/v1/chat/completions', LONG_CHAT);
    const during = await statusWhen(url, (body) => body.kv_cache.used_blocks > 0);
    expect(during.running_requests).toBe(1);
    expect(during.kv_cache.used_blocks).toBeGreaterThan(0);
    socket.destroy();
    const after = await statusWhen(url, (body) => body.running_requests === 0);
    expect(after.running_requests).toBe(0);
    expect(after.kv_cache.used_blocks).toBe(0);
    expect(after.models[0].aborted_requests).toBe(1);
    expect(after.completed_requests).toBe(0);
  });
});

describe('a client that stops reading', () => {
  it('does not hold up another stream, and gets all of its own when it reads again', async () => {
    server = await startTestServer({ timeScale: 20, engine: { maxModelLen: 8192 } });
    const url = server.url;
    const slow = await rawPost(url, '/v1/chat/completions', {
      ...LONG_CHAT,
      max_tokens: 3000,
      stream: true,
      stream_options: { include_usage: true },
    });
    slow.pause();
    const fast = await rawPost(url, '/v1/chat/completions', {
      ...LONG_CHAT,
      max_tokens: 200,
      stream: true,
      stream_options: { include_usage: true },
    });
    const fastText = await received(fast);
    expect(fastText).toContain('"completion_tokens":200');
    expect(fastText).toContain('data: [DONE]\n\n');
    // The stalled reader is still open and still being served.
    expect(slow.destroyed).toBe(false);
    const slowText = received(slow);
    slow.resume();
    const text = await slowText;
    expect(text).toContain('"completion_tokens":3000');
    expect(text.match(/"delta":\{"content"/g)?.length).toBe(3000);
    const after = await status(url);
    expect(after.completed_requests).toBe(2);
    expect(after.kv_cache.used_blocks).toBe(0);
  }, 30_000);
});

describe('--max-connections', () => {
  it('closes connections over the limit at once; those inside keep working', async () => {
    server = await startTestServer({ maxConnections: 2 });
    const url = server.url;
    const { hostname, port } = new URL(url);
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
        socket.once('error', reject);
      });
    const ask = (socket: Socket) =>
      new Promise<string>((resolve) => {
        let text = '';
        socket.on('data', (bytes: Buffer) => {
          text += bytes.toString();
          if (text.includes('\r\n\r\n') && text.includes('"status"')) resolve(text);
        });
        socket.on('close', () => resolve(text));
        socket.write(`GET /health HTTP/1.1\r\nhost: ${hostname}\r\n\r\n`);
      });
    const first = await open();
    const second = await open();
    expect(await ask(first)).toMatch(/^HTTP\/1\.1 200/);
    const third = await open();
    expect(await ask(third)).toBe('');
    expect(third.destroyed || third.readableEnded).toBe(true);
    expect(await ask(second)).toMatch(/^HTTP\/1\.1 200/);
    first.destroy();
    second.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const again = await open();
    expect(await ask(again)).toMatch(/^HTTP\/1\.1 200/);
    again.destroy();
  });
});

describe('many concurrent streams', () => {
  it('finish without a listener-leak warning from per-request shutdown hooks', async () => {
    // Real time, so all 30 are in flight together.
    server = await startTestServer({ timeScale: 1 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const streams = await Promise.all(
        Array.from({ length: 30 }, async () => {
          const response = await fetch(`${server?.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ ...LONG_CHAT, max_tokens: 40, stream: true }),
            signal: AbortSignal.timeout(20_000),
          });
          return response.text();
        }),
      );
      for (const text of streams) expect(text).toContain('data: [DONE]');
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
