/**
 * @module Builds the server app in-process (no socket) for `inject()` tests: one or more served
 * models on a fast scaled clock, with the settings a test overrides.
 */

import type { FastifyInstance } from 'fastify';
import { resolveDeployment } from '../../src/config/deployment.js';
import type { EngineOptionsInput } from '../../src/config/engine-options.js';
import { buildServerApp, type ServerAppOptions } from '../../src/server/app.js';
import { createServedModel, type ServedModel } from '../../src/server/served-model.js';
import { ScaledWallClock } from '../../src/server/simulation-clock.js';

export interface ServedAppOptions extends Partial<Omit<ServerAppOptions, 'models'>> {
  readonly engine?: EngineOptionsInput;
  readonly names?: readonly string[];
}

/** An app serving the default model (Llama-3.1-8B-Instruct on H100) unless told otherwise. */
export async function buildServedApp(
  options: ServedAppOptions = {},
): Promise<{ app: FastifyInstance; model: ServedModel }> {
  const timeScale = options.timeScale ?? 1000;
  const model = await createServedModel({
    deployment: resolveDeployment({ maxModelLen: 8192, ...options.engine }),
    names: options.names ?? [],
    clock: new ScaledWallClock(timeScale),
  });
  const app = buildServerApp({
    apiKeys: [],
    maxBodyBytes: 1 << 20,
    outputLength: { kind: 'fixed', tokens: 24 },
    responseMode: 'lorem',
    seed: 0,
    maxWaiting: undefined,
    ...options,
    timeScale,
    models: [model],
  });
  return { app, model };
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` kept as the string). */
export function sseEvents(body: string): (Record<string, unknown> | '[DONE]')[] {
  return body
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => {
      const data = block.slice('data: '.length);
      return data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as Record<string, unknown>);
    });
}
