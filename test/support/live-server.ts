/**
 * @module Test helper: a live server on 127.0.0.1 and a free port, running fast enough (many
 * simulated seconds per wall second) that end-to-end tests with real clients take milliseconds
 * per request.
 */

import {
  type LiveServer,
  type LiveServerOptions,
  startLiveServer,
} from '../../src/server/live-server.js';

/** The model every test server serves when none is given. */
export const DEFAULT_TEST_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/**
 * Starts a server with the default model on a simulated H100; `overrides` replace any setting.
 * The default time scale of 500 keeps a 100-token reply (about 0.7 simulated seconds) under 2 ms.
 */
export function startTestServer(overrides: Partial<LiveServerOptions> = {}): Promise<LiveServer> {
  return startLiveServer({
    engine: {},
    models: [],
    host: '127.0.0.1',
    port: 0,
    timeScale: 500,
    ...overrides,
  });
}
