/**
 * @module The profile catalog: measured operator timings (`llmservingsim-profile/1`, see
 * docs/PROFILES.md) shipped under `profiles/<HW>/<org>/<model>/<dtype>/tp<N>.json`, collective
 * timings under `profiles/<HW>/collectives-<topology>.json`, and profiles a user keeps in their own
 * files. Files are validated on first use and cached.
 */

import { existsSync, readdirSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  type AttentionSample,
  type CollectiveProfile,
  type MoeSample,
  type OperatorProfile,
  PROFILE_FORMAT,
  type SequenceOperatorName,
  type TokenOperatorName,
} from '../core/perf/operator-profile.js';
import { InvalidCatalogFileError } from '../errors.js';
import { listHardware } from './hardware-catalog.js';
import { describeIssues, readCatalogFile } from './read-json-file.js';

const PROFILES_DIRECTORY = fileURLToPath(new URL('./profiles/', import.meta.url));

/** Every token operator name of format /1, in the order a decoder layer runs them. */
export const TOKEN_OPERATOR_NAMES = [
  'embedding',
  'input_layernorm',
  'qkv_proj',
  'q_proj',
  'k_proj',
  'v_proj',
  'qk_norm',
  'rotary_emb',
  'o_proj',
  'post_attention_layernorm',
  'gate_up_proj',
  'gate_proj',
  'up_proj',
  'act_fn',
  'down_proj',
  'residual_add',
  'final_layernorm',
] as const satisfies readonly TokenOperatorName[];

export const SEQUENCE_OPERATOR_NAMES = [
  'lm_head',
  'sampler',
] as const satisfies readonly SequenceOperatorName[];

// Both directions: a name added to the core type and not here (or the reverse) fails to compile.
type MissingTokenName = Exclude<TokenOperatorName, (typeof TOKEN_OPERATOR_NAMES)[number]>;
type MissingSequenceName = Exclude<SequenceOperatorName, (typeof SEQUENCE_OPERATOR_NAMES)[number]>;
const namesComplete: [MissingTokenName, MissingSequenceName] extends [never, never] ? true : never =
  true;
void namesComplete;

export const PROFILE_DTYPES = ['bf16', 'fp16', 'fp8'] as const;

const positiveFinite = z.number().positive().finite();
const nonNegativeFinite = z.number().nonnegative().finite();

/** Adds an issue per broken invariant of a curve: equal lengths, strictly increasing points. */
function checkCurve(
  curve: { readonly points: readonly number[]; readonly timesUs: readonly number[] },
  context: z.RefinementCtx,
): void {
  if (curve.points.length !== curve.timesUs.length) {
    context.addIssue({
      code: 'custom',
      message: `points has ${curve.points.length} values but timesUs has ${curve.timesUs.length}`,
      path: ['timesUs'],
    });
  }
  for (let index = 1; index < curve.points.length; index++) {
    if ((curve.points[index] as number) <= (curve.points[index - 1] as number)) {
      context.addIssue({
        code: 'custom',
        message: `points must be strictly increasing (${curve.points[index - 1]} then ${curve.points[index]})`,
        path: ['points', index],
      });
      return;
    }
  }
}

const curveFields = {
  points: z.array(positiveFinite).min(1),
  timesUs: z.array(positiveFinite).min(1),
};

const tokenOperatorSchema = z
  .object({
    name: z.enum(TOKEN_OPERATOR_NAMES),
    scope: z.enum(['layer', 'step']),
    count: z.number().int().positive(),
    ...curveFields,
  })
  .superRefine(checkCurve);

const sequenceOperatorSchema = z
  .object({ name: z.enum(SEQUENCE_OPERATOR_NAMES), ...curveFields })
  .superRefine(checkCurve);

const attentionSampleSchema = z
  .tuple([
    nonNegativeFinite,
    nonNegativeFinite,
    nonNegativeFinite,
    nonNegativeFinite,
    positiveFinite,
  ])
  .refine(([prefillChunk, , nDecode]) => prefillChunk > 0 || nDecode > 0, {
    message: 'a sample needs prefill tokens or decode sequences',
  });

const moeSampleSchema = z.tuple([positiveFinite, positiveFinite, positiveFinite]);

const sourceSchema = z.object({
  dataset: z.string().min(1),
  path: z.string().min(1),
  licence: z.string().min(1),
  note: z.string(),
});

/** Adds an issue when two samples share coordinates: the held-out split keys on them. */
function checkUniqueCoordinates(
  samples: readonly (readonly number[])[],
  context: z.RefinementCtx,
  path: string,
): void {
  const seen = new Set<string>();
  for (const [index, sample] of samples.entries()) {
    const key = sample.slice(0, -1).join(',');
    if (seen.has(key)) {
      context.addIssue({
        code: 'custom',
        message: `duplicate coordinates ${key}`,
        path: [path, index],
      });
      return;
    }
    seen.add(key);
  }
}

/** Format /1 of one GPU × model × TP × dtype (docs/PROFILES.md). */
export const operatorProfileSchema = z
  .object({
    format: z.literal(PROFILE_FORMAT),
    hardware: z.string().min(1),
    model: z.string().min(1),
    dtype: z.enum(PROFILE_DTYPES),
    tp: z.number().int().positive(),
    framework: z.string().min(1),
    source: sourceSchema,
    tokenOperators: z.array(tokenOperatorSchema),
    sequenceOperators: z.array(sequenceOperatorSchema),
    attention: z.array(attentionSampleSchema).min(1).optional(),
    moe: z.array(moeSampleSchema).min(1).optional(),
  })
  .superRefine((profile, context) => {
    const seen = new Set<string>();
    for (const [index, operator] of [
      ...profile.tokenOperators,
      ...profile.sequenceOperators,
    ].entries()) {
      if (seen.has(operator.name)) {
        context.addIssue({
          code: 'custom',
          message: `operator '${operator.name}' appears twice`,
          path: ['tokenOperators', index],
        });
      }
      seen.add(operator.name);
    }
    if (profile.attention) checkUniqueCoordinates(profile.attention, context, 'attention');
    if (profile.moe) checkUniqueCoordinates(profile.moe, context, 'moe');
  });

const collectiveCurveSchema = z
  .object({ gpus: z.number().int().min(2), ...curveFields })
  .superRefine(checkCurve);

/** Format /1 of one interconnect's collective timings. */
export const collectiveProfileSchema = z.object({
  format: z.literal(PROFILE_FORMAT),
  hardware: z.string().min(1),
  topology: z.string().regex(/^[a-z0-9-]+$/, 'lowercase letters, digits and dashes'),
  source: sourceSchema,
  allReduce: z.array(collectiveCurveSchema),
  sendRecv: z.array(collectiveCurveSchema),
});

/** The parsed file as the core's type (absent optional tables stay absent). */
function toOperatorProfile(parsed: z.output<typeof operatorProfileSchema>): OperatorProfile {
  const { attention, moe, ...rest } = parsed;
  return {
    ...rest,
    ...(attention === undefined ? {} : { attention: attention as readonly AttentionSample[] }),
    ...(moe === undefined ? {} : { moe: moe as readonly MoeSample[] }),
  };
}

/**
 * Checks a profile object against format /1; returns it typed, or throws an
 * `InvalidCatalogFileError` that names `origin` (a path or a description).
 */
export function validateOperatorProfile(value: unknown, origin: string): OperatorProfile {
  const parsed = operatorProfileSchema.safeParse(value);
  if (parsed.success) return toOperatorProfile(parsed.data);
  throw new InvalidCatalogFileError(origin, describeIssues(parsed.error.issues));
}

/** Same as `validateOperatorProfile` for collective profiles. */
export function validateCollectiveProfile(value: unknown, origin: string): CollectiveProfile {
  const parsed = collectiveProfileSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidCatalogFileError(origin, describeIssues(parsed.error.issues));
}

const operatorCache = new Map<string, OperatorProfile>();
const collectiveCache = new Map<string, CollectiveProfile>();

/** Reads, validates and caches an operator profile file (shipped or a user's own). */
export function loadProfileFile(path: string): OperatorProfile {
  const key = resolve(path);
  const cached = operatorCache.get(key);
  if (cached) return cached;
  const profile = toOperatorProfile(readCatalogFile(key, operatorProfileSchema));
  operatorCache.set(key, profile);
  return profile;
}

/** Reads, validates and caches a collective profile file. */
export function loadCollectiveProfileFile(path: string): CollectiveProfile {
  const key = resolve(path);
  const cached = collectiveCache.get(key);
  if (cached) return cached;
  const profile = readCatalogFile(key, collectiveProfileSchema);
  collectiveCache.set(key, profile);
  return profile;
}

/** A shipped operator profile as its path names it; `loadProfileFile(path)` gives the data. */
export interface ProfileEntry {
  readonly hardware: string;
  /** Hugging Face id of the profiled architecture, e.g. `meta-llama/Llama-3.1-8B`. */
  readonly model: string;
  readonly dtype: OperatorProfile['dtype'];
  readonly tp: number;
  readonly path: string;
}

/** A shipped collective profile as its path names it. */
export interface CollectiveProfileEntry {
  readonly hardware: string;
  readonly topology: string;
  readonly path: string;
}

let shippedEntries:
  | { operators: readonly ProfileEntry[]; collectives: readonly CollectiveProfileEntry[] }
  | undefined;

const OPERATOR_PATH = /^([^/]+)\/([^/]+\/[^/]+)\/(bf16|fp16|fp8)\/tp(\d+)\.json$/;
const COLLECTIVE_PATH = /^([^/]+)\/collectives-([a-z0-9-]+)\.json$/;

function shippedIndex(): NonNullable<typeof shippedEntries> {
  if (shippedEntries) return shippedEntries;
  const operators: ProfileEntry[] = [];
  const collectives: CollectiveProfileEntry[] = [];
  const files = existsSync(PROFILES_DIRECTORY)
    ? readdirSync(PROFILES_DIRECTORY, { recursive: true, encoding: 'utf8' })
    : [];
  for (const file of files) {
    const relative = file.split(sep).join('/');
    const path = `${PROFILES_DIRECTORY}${file}`;
    const operator = OPERATOR_PATH.exec(relative);
    if (operator) {
      const [, hardware = '', model = '', dtype = '', tp = ''] = operator;
      operators.push({
        hardware,
        model,
        dtype: dtype as ProfileEntry['dtype'],
        tp: Number(tp),
        path,
      });
      continue;
    }
    const collective = COLLECTIVE_PATH.exec(relative);
    if (collective) {
      const [, hardware = '', topology = ''] = collective;
      collectives.push({ hardware, topology, path });
    }
  }
  const order = (a: ProfileEntry, b: ProfileEntry) =>
    a.hardware.localeCompare(b.hardware) ||
    a.model.localeCompare(b.model) ||
    a.dtype.localeCompare(b.dtype) ||
    a.tp - b.tp;
  operators.sort(order);
  collectives.sort(
    (a, b) => a.hardware.localeCompare(b.hardware) || a.topology.localeCompare(b.topology),
  );
  shippedEntries = { operators, collectives };
  return shippedEntries;
}

/** Every shipped operator profile (sorted by hardware, model, dtype, tp); files are not read. */
export function listProfiles(): readonly ProfileEntry[] {
  return shippedIndex().operators;
}

/** Every shipped collective profile (sorted by hardware, topology). */
export function listCollectiveProfiles(): readonly CollectiveProfileEntry[] {
  return shippedIndex().collectives;
}

/** The canonical catalog name of a hardware name or alias; unknown names are returned as given. */
function canonicalHardwareName(name: string): string {
  const wanted = name.toLowerCase();
  for (const { file } of listHardware()) {
    if ([file.name, ...file.aliases].some((candidate) => candidate.toLowerCase() === wanted)) {
      return file.name;
    }
  }
  return name;
}

/** Loads a shipped file and checks that its content says what its path says. */
function loadShipped(entry: ProfileEntry): OperatorProfile {
  const profile = loadProfileFile(entry.path);
  const mismatch =
    profile.hardware !== entry.hardware ||
    profile.model !== entry.model ||
    profile.dtype !== entry.dtype ||
    profile.tp !== entry.tp;
  if (mismatch) {
    throw new InvalidCatalogFileError(
      entry.path,
      `content is ${profile.hardware}/${profile.model}/${profile.dtype}/tp${profile.tp}, not what its path says`,
    );
  }
  return profile;
}

export interface ProfileQuery {
  /** Hardware catalog name or alias (case-insensitive). */
  readonly hardware: string;
  /**
   * Hugging Face id of the profiled architecture (case-insensitive). Fine-tunes that share the
   * base model's config.json are not mapped here; callers map them (see `listProfiles`).
   */
  readonly modelId: string;
  readonly tp: number;
  readonly dtype: OperatorProfile['dtype'];
}

/** The shipped profile for exactly this hardware, model, TP degree and dtype, if there is one. */
export function findProfile(query: ProfileQuery): OperatorProfile | undefined {
  const hardware = canonicalHardwareName(query.hardware).toLowerCase();
  const model = query.modelId.toLowerCase();
  const entry = listProfiles().find(
    (candidate) =>
      candidate.hardware.toLowerCase() === hardware &&
      candidate.model.toLowerCase() === model &&
      candidate.tp === query.tp &&
      candidate.dtype === query.dtype,
  );
  return entry === undefined ? undefined : loadShipped(entry);
}

/** Topology preferred when a GPU has several: the full-bandwidth switched one first. */
const TOPOLOGY_PREFERENCE = ['dgx-nvswitch'];

/**
 * The shipped collective profile of a GPU: of `topology` when given, else the preferred one
 * (`dgx-nvswitch`, then the first by name).
 */
export function findCollectiveProfile(
  hardware: string,
  topology?: string,
): CollectiveProfile | undefined {
  const wanted = canonicalHardwareName(hardware).toLowerCase();
  const candidates = listCollectiveProfiles().filter(
    (entry) =>
      entry.hardware.toLowerCase() === wanted &&
      (topology === undefined || entry.topology === topology),
  );
  const rank = (entry: CollectiveProfileEntry) => {
    const index = TOPOLOGY_PREFERENCE.indexOf(entry.topology);
    return index === -1 ? TOPOLOGY_PREFERENCE.length : index;
  };
  const best = [...candidates].sort((a, b) => rank(a) - rank(b))[0];
  if (best === undefined) return undefined;
  const profile = loadCollectiveProfileFile(best.path);
  if (profile.hardware !== best.hardware || profile.topology !== best.topology) {
    throw new InvalidCatalogFileError(
      best.path,
      `content is ${profile.hardware}/${profile.topology}, not what its path says`,
    );
  }
  return profile;
}
