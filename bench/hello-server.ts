/**
 * @module The reference of `npm run bench:server`: a bare Fastify server that answers
 * `POST /v1/chat/completions` with a small fixed JSON completion, with nothing behind it (no
 * schema, no engine, no logging). The requests per second it sustains, and its CPU per request,
 * are what this machine and Node can do at all, against which the simulator's figures are read.
 * Run: `tsx bench/hello-server.ts [--port 0]`; prints `listening on URL`.
 */

import { parseArgs } from 'node:util';
import Fastify from 'fastify';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});

const app = Fastify({ logger: false });

// About the size of the simulator's answer to a 16-token completion (~400 bytes).
const answer = {
  id: 'chatcmpl-hello',
  object: 'chat.completion',
  created: 0,
  model: 'hello',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello from the reference server.' },
      finish_reason: 'length',
    },
  ],
  usage: { prompt_tokens: 36, completion_tokens: 16, total_tokens: 52 },
};

app.post('/v1/chat/completions', async () => answer);

const url = await app.listen({ host: values.host, port: Number(values.port) });
console.log(`listening on ${url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
