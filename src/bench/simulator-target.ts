/**
 * @module What `bench --compare-sim` simulates: the deployment behind the benchmarked server and
 * its time scale. An LLMServingSim server reports both in `GET /status` (each model's
 * `engine_settings`, and `time_scale`); for any other server (vLLM, SGLang, OpenAI) the user says
 * what it runs on with `--sim-*` flags. Flags override what the server reports.
 */

import { request } from 'undici';
import { z } from 'zod';
import { definedOnly } from '../config/defined-only.js';
import { type Deployment, resolveDeployment } from '../config/deployment.js';
import type { EngineOptionsInput } from '../config/engine-options.js';
import { InvalidConfigError } from '../errors.js';

/** The `--sim-*` flags; each overrides the server's setting of the same name. */
export interface SimulatorOverrides {
  readonly model?: string;
  readonly hardware?: string;
  readonly tp?: number;
  readonly pp?: number;
  readonly engine?: string;
  /** More engine settings as JSON (`simulate`'s names in camelCase, e.g. `{"maxNumSeqs":256}`). */
  readonly settingsJson?: string;
}

/** The simulator's side of the comparison. */
export interface SimulatorTarget {
  readonly deployment: Deployment;
  /** Simulated seconds per wall second of the server (1 for real servers). */
  readonly timeScale: number;
  /** Where the settings came from, for the user. */
  readonly source: 'server' | 'flags';
}

const STATUS_TIMEOUT_MS = 10_000;

const statusSchema = z.object({
  time_scale: z.number().positive(),
  models: z.array(
    z.object({ model: z.string(), engine_settings: z.record(z.string(), z.unknown()) }),
  ),
});

type ServerStatus = z.infer<typeof statusSchema>;

/** `GET /status` of an LLMServingSim server, or undefined for any other server. */
async function fetchStatus(
  baseUrl: string,
  apiKey: string | undefined,
): Promise<ServerStatus | undefined> {
  try {
    const response = await request(`${baseUrl}/status`, {
      headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return undefined;
    const parsed = statusSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    // Not reachable or not JSON: not one of ours. The benchmark itself reports reachability.
    return undefined;
  }
}

function overridesAsSettings(overrides: SimulatorOverrides): Record<string, unknown> {
  let extra: Record<string, unknown> = {};
  if (overrides.settingsJson !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(overrides.settingsJson);
    } catch (error) {
      throw new InvalidConfigError(
        `--sim-settings is not valid JSON (${(error as Error).message})`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidConfigError('--sim-settings must be a JSON object, e.g. {"maxNumSeqs":256}');
    }
    extra = parsed as Record<string, unknown>;
  }
  const flags = {
    model: overrides.model,
    hardware: overrides.hardware,
    tp: overrides.tp,
    pp: overrides.pp,
    engine: overrides.engine,
  };
  return definedOnly({ ...extra, ...flags });
}

/**
 * Finds the deployment to simulate for `model` on the server at `baseUrl` (called before the
 * benchmark runs, so bad settings fail at once).
 *
 * @throws InvalidConfigError when the server does not report its settings and the flags do not
 * name the hardware, or when the settings do not resolve.
 */
export async function resolveSimulatorTarget(options: {
  readonly baseUrl: string;
  readonly apiKey: string | undefined;
  /** The model the benchmark requests, when given. */
  readonly model: string | undefined;
  readonly overrides: SimulatorOverrides;
}): Promise<SimulatorTarget> {
  const status = await fetchStatus(options.baseUrl, options.apiKey);
  const models = status?.models ?? [];
  const entry =
    models.find((candidate) => candidate.model === options.model) ??
    (models.length === 1 || options.model === undefined ? models[0] : undefined);
  const overrides = overridesAsSettings(options.overrides);
  if (entry !== undefined && status !== undefined) {
    const settings = { ...entry.engine_settings, ...overrides } as EngineOptionsInput;
    return {
      deployment: resolveDeployment(settings),
      timeScale: status.time_scale,
      source: 'server',
    };
  }
  if (models.length > 1) {
    throw new InvalidConfigError(
      `--compare-sim: ${options.baseUrl} serves no model named '${options.model}' (it serves ` +
        `${models.map((candidate) => candidate.model).join(', ')}); pass one of them as --model`,
    );
  }
  const model = overrides.model ?? options.model;
  if (typeof model !== 'string' || overrides.hardware === undefined) {
    throw new InvalidConfigError(
      `--compare-sim: ${options.baseUrl} did not report its engine settings (unreachable, or ` +
        'not an LLMServingSim server); say what it runs on with --sim-hardware (and --sim-model, ' +
        '--sim-tp, --sim-engine or --sim-settings as needed)',
    );
  }
  return {
    deployment: resolveDeployment({ ...overrides, model } as EngineOptionsInput),
    timeScale: 1,
    source: 'flags',
  };
}
