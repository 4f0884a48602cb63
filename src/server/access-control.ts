/**
 * @module Who may call what. With API keys configured, every route but `/health` needs one:
 * `/v1/*` as OpenAI takes it (`Authorization: Bearer <key>`), the monitoring routes (dashboard,
 * `/metrics`, `/status`) also as HTTP Basic credentials, so a browser's own login prompt
 * unlocks the dashboard and its polls, and Prometheus' `basic_auth` works. `--public-metrics`
 * opens the monitoring routes. Keys are compared in constant time.
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { invalidApiKey } from './api-error.js';
import { DASHBOARD_DATA_PATH, DASHBOARD_PAGE_PATHS } from './routes/dashboard-routes.js';

/** Who may reach the server's routes. */
export interface AccessPolicy {
  /** Accepted keys; empty = no authentication. */
  readonly apiKeys: readonly string[];
  /** Dashboard, `/metrics` and `/status` open without a key. */
  readonly publicMetrics: boolean;
}

/** The realm a browser shows in its login prompt for the dashboard. */
const BASIC_REALM = 'llmservingsim';

/** Paths (without query) of the monitoring routes, as the routes register them. */
const MONITORING_PATHS: ReadonlySet<string> = new Set([
  ...DASHBOARD_PAGE_PATHS,
  DASHBOARD_DATA_PATH,
  '/metrics',
  '/status',
]);

/** Equal-length digests, so the comparison takes the same time whatever the key's length. */
function digestOf(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Checks presented keys against the accepted ones without leaking, by timing, how close one was. */
export class KeyRing {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digestOf);
  }

  get size(): number {
    return this.digests.length;
  }

  accepts(key: string): boolean {
    const presented = digestOf(key);
    let match = false;
    // Compare against every key (no early exit), so the time does not say which one matched.
    for (const digest of this.digests) match = timingSafeEqual(presented, digest) || match;
    return match;
  }
}

/** The key in an `Authorization` header: a Bearer token, or (when allowed) a Basic password. */
export function presentedKey(header: string | undefined, allowBasic: boolean): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer !== null) return bearer[1]?.trim();
  const basic = allowBasic ? /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header.trim()) : null;
  if (basic === null) return undefined;
  const credentials = Buffer.from(basic[1] ?? '', 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  // The key goes in the password; a user name alone (curl -u KEY) is taken too.
  return colon < 0 ? credentials : credentials.slice(colon + 1) || credentials.slice(0, colon);
}

/** Installs the key check on `app` (nothing when no keys are configured). */
export function installAccessControl(app: FastifyInstance, policy: AccessPolicy): void {
  const ring = new KeyRing(policy.apiKeys);
  if (ring.size === 0) return;
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (path === '/health' || request.method === 'OPTIONS') return;
    const monitoring = MONITORING_PATHS.has(path);
    if (monitoring && policy.publicMetrics) return;
    const header = request.headers.authorization;
    const key = presentedKey(header, monitoring);
    if (key !== undefined && ring.accepts(key)) return;
    if (monitoring) reply.header('www-authenticate', `Basic realm="${BASIC_REALM}"`);
    throw invalidApiKey(header !== undefined);
  });
}
