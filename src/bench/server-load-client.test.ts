import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LoadRequest, runClosedLoop, sendWhole, streamTimed } from './server-load-client.js';

const chunk = (content: string) =>
  `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;

let server: Server;
let url: string;
const dispatcher = new Agent({ connections: 8 });

beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      switch (request.url) {
        case '/ok':
          response.setHeader('content-type', 'application/json');
          response.end('{"choices":[{"index":0}]}');
          break;
        case '/busy':
          response.statusCode = 429;
          response.end('{"error":{"message":"queue full","type":"rate_limit"}}');
          break;
        case '/reset':
          request.socket.destroy();
          break;
        case '/stream':
          response.setHeader('x-request-id', 'chatcmpl-1');
          response.write('data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\n');
          response.write(chunk('a'));
          response.end(`${chunk('b')}data: [DONE]\n\n`);
          break;
        case '/stream-cut':
          response.end(chunk('a'));
          break;
        default:
          response.statusCode = 404;
          response.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await dispatcher.close();
  await new Promise((resolve) => server.close(resolve));
});

function load(path: string): LoadRequest {
  return { url, path, bodyText: '{}', dispatcher, timeoutMs: 5000 };
}

describe('sendWhole', () => {
  it('is ok for a 2xx completion', async () => {
    expect(await sendWhole(load('/ok'))).toEqual({ kind: 'ok' });
  });

  it('is an answered failure for an error status, with the OpenAI message', async () => {
    expect(await sendWhole(load('/busy'))).toEqual({
      kind: 'failed',
      reason: 'HTTP 429: queue full',
    });
  });

  it('is lost when the connection closes without an answer', async () => {
    expect((await sendWhole(load('/reset'))).kind).toBe('lost');
  });
});

describe('streamTimed', () => {
  it('times the token chunks after the role chunk', async () => {
    const stream = await streamTimed(load('/stream'));
    expect(stream.fate).toEqual({ kind: 'ok' });
    expect(stream.observed?.requestId).toBe('chatcmpl-1');
    expect(stream.observed?.tokenMs).toHaveLength(2);
    expect(stream.observed?.tokenMs[0]).toBeGreaterThanOrEqual(stream.observed?.sentMs as number);
  });

  it('fails a stream that ends without [DONE]', async () => {
    expect(await streamTimed(load('/stream-cut'))).toEqual({
      fate: { kind: 'failed', reason: 'the stream ended without [DONE]' },
      observed: null,
    });
  });
});

describe('runClosedLoop', () => {
  it('answers every request it sends within the duration', async () => {
    const result = await runClosedLoop({ load: load('/ok'), connections: 4, durationS: 0.2 });
    const figures = result.tally.figures();
    expect(figures.sent).toBeGreaterThan(4);
    expect(figures.ok).toBe(figures.sent);
    expect(figures.lost).toBe(0);
    expect(result.elapsedS).toBeGreaterThanOrEqual(0.2);
    expect(result.elapsedS).toBeLessThan(5);
    expect(result.latenciesMs).toHaveLength(figures.sent);
    expect(Math.min(...result.latenciesMs)).toBeGreaterThan(0);
  });
});
