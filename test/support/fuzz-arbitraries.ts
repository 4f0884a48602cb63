/**
 * @module fast-check arbitraries for fuzzing the server's HTTP routes: valid completion bodies,
 * the same bodies with exactly one field made invalid (and the `param` the server must name),
 * malformed JSON, invalid UTF-8, deep nesting, prototype keys, header values, query strings and
 * raw HTTP/1.1 request bytes.
 */

import fc from 'fast-check';

/** The model test apps serve (see served-app.ts). */
export const FUZZ_MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

/** Vocabulary size of the served model (`vocab_size` in Llama 3.1 8B's config.json: 128,256). */
const VOCAB_SIZE = 128_256;

/** Deepest nesting of arrays and objects the contract accepts; deeper bodies get a 400. */
export const MAX_JSON_DEPTH = 64;

export type JsonBody = Record<string, unknown>;

/** Text of any code points, lone surrogates included (JSON.stringify escapes them). */
const anyText = (maxLength: number) =>
  fc.string({
    minLength: 1,
    maxLength,
    unit: fc.oneof(fc.constant('x'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
  });

/** Printable words: every one counts at least one token, so a prompt is never empty. */
const words = fc.stringMatching(/^[A-Za-z][A-Za-z ,.!?]{0,39}$/);

const textPart = fc.record({ type: fc.constant('text'), text: anyText(30) });
const messageContent = fc.oneof(anyText(40), fc.array(textPart, { minLength: 1, maxLength: 2 }));

const message = fc.record({
  role: fc.constantFrom('system', 'user', 'assistant'),
  content: messageContent,
});

/** Optional fields as `fc.record` entries; `null` stands for absent (several clients send it). */
const orNull = <T>(arbitrary: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary }, { weight: 1, arbitrary: fc.constant(null) });

const commonFields = {
  model: fc.constant(FUZZ_MODEL),
  max_tokens: orNull(fc.integer({ min: 1, max: 16 })),
  n: orNull(fc.integer({ min: 1, max: 2 })),
  stop: orNull(
    fc.oneof(fc.string({ maxLength: 4 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })),
  ),
  seed: orNull(fc.integer()),
  ignore_eos: orNull(fc.boolean()),
  min_tokens: orNull(fc.constantFrom(0, 1)),
  temperature: orNull(fc.double({ min: 0, max: 2, noNaN: true })),
  top_p: orNull(fc.double({ min: Number.EPSILON, max: 1, noNaN: true })),
  presence_penalty: orNull(fc.double({ min: -2, max: 2, noNaN: true })),
  frequency_penalty: orNull(fc.double({ min: -2, max: 2, noNaN: true })),
  user: orNull(fc.string({ maxLength: 8 })),
};

/** `stream`, and `stream_options` only with `stream: true` (OpenAI refuses it otherwise). */
const streamFields = fc.oneof(
  fc.constant({}),
  fc.record({ stream: fc.constant(false) }),
  fc.record(
    {
      stream: fc.constant(true),
      stream_options: fc.record(
        { include_usage: fc.boolean(), continuous_usage_stats: fc.boolean() },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['stream'] },
  ),
);

/** A chat completion body the server must answer with 200. */
export const validChatBody: fc.Arbitrary<JsonBody> = fc
  .tuple(
    fc.record(
      {
        ...commonFields,
        messages: fc.array(message, { minLength: 1, maxLength: 3 }),
        echo: orNull(fc.boolean()),
        logprobs: orNull(fc.boolean()),
      },
      { requiredKeys: ['messages'] },
    ),
    streamFields,
    fc.integer({ min: 0, max: 20 }),
  )
  .map(([body, stream, topLogprobs]) => ({
    ...body,
    // ignore_eos without max_tokens runs to the end of the context: thousands of tokens.
    ...(body.ignore_eos === true ? { max_tokens: body.max_tokens ?? 16 } : {}),
    ...stream,
    ...(body.logprobs === true ? { top_logprobs: topLogprobs } : {}),
  }));

const tokenId = fc.integer({ min: 0, max: VOCAB_SIZE - 1 });

/** A completions body the server must answer with 200. */
export const validCompletionBody: fc.Arbitrary<JsonBody> = fc
  .tuple(
    fc.record(
      {
        ...commonFields,
        prompt: fc.oneof(
          words,
          fc.array(words, { minLength: 1, maxLength: 3 }),
          fc.array(tokenId, { minLength: 1, maxLength: 8 }),
          fc.array(fc.array(tokenId, { minLength: 1, maxLength: 4 }), {
            minLength: 1,
            maxLength: 2,
          }),
        ),
        logprobs: orNull(fc.integer({ min: 0, max: 5 })),
        echo: orNull(fc.boolean()),
        suffix: orNull(fc.string({ maxLength: 8 })),
      },
      { requiredKeys: ['prompt'] },
    ),
    streamFields,
  )
  .map(([body, stream]) => ({ ...body, ...stream }));

// ---------------------------------------------------------------------------------------------
// One invalid field.

/** A body with one field made invalid, and what the server must answer. */
export interface FieldMutation {
  readonly body: JsonBody;
  /** The `param` the error must name: exactly, or (`prefix`) it or a path below it. */
  readonly param: string;
  readonly match: 'exact' | 'prefix';
  readonly status: 400 | 404;
  /** What was changed, for a readable counterexample. */
  readonly description: string;
}

type Mutate = (body: JsonBody) => FieldMutation;

/** JSON values of every type but the listed ones (null excluded: it means "absent"). */
function otherThan(...types: ('number' | 'integer' | 'string' | 'boolean' | 'array' | 'object')[]) {
  const choices: fc.Arbitrary<unknown>[] = [];
  if (!types.includes('number') && !types.includes('integer')) {
    choices.push(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
  }
  if (!types.includes('string')) choices.push(fc.string({ maxLength: 6 }), fc.constant('1'));
  if (!types.includes('boolean')) choices.push(fc.boolean());
  if (!types.includes('array')) choices.push(fc.array(fc.integer(), { maxLength: 2 }));
  if (!types.includes('object')) {
    choices.push(fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 }));
  }
  return fc.oneof(...choices);
}

const nonInteger = fc.double({ noInteger: true, noNaN: true, noDefaultInfinity: true });

/** Integers outside [min, max] (either bound may be open). */
function integerOutside(min: number | undefined, max: number | undefined) {
  const choices: fc.Arbitrary<number>[] = [];
  if (min !== undefined) choices.push(fc.integer({ min: min - 1_000_000, max: min - 1 }));
  if (max !== undefined) choices.push(fc.integer({ min: max + 1, max: max + 1_000_000 }));
  return fc.oneof(...choices);
}

/**
 * Finite numbers outside [min, max] as the server reads them from JSON (where -0 is 0);
 * `exclusiveMin` makes `min` itself invalid too.
 */
function numberOutside(min: number, max: number, exclusiveMin = false) {
  return fc
    .oneof(
      fc.double({ max: min, maxExcluded: !exclusiveMin, noNaN: true, noDefaultInfinity: true }),
      fc.double({ min: max, minExcluded: true, noNaN: true, noDefaultInfinity: true }),
    )
    .filter((value) => {
      const sent = JSON.parse(JSON.stringify(value)) as number;
      return sent < min || sent > max || (exclusiveMin && sent === min);
    });
}

/** A top-level field set to an invalid value. */
function topLevel(
  field: string,
  invalid: fc.Arbitrary<unknown>,
  extra: { status?: 400 | 404; param?: string; base?: JsonBody } = {},
): fc.Arbitrary<Mutate> {
  return invalid.map(
    (value): Mutate =>
      (body) => ({
        body: { ...body, ...extra.base, [field]: value },
        param: extra.param ?? field,
        match: 'exact',
        status: extra.status ?? 400,
        description: `${field} = ${fc.stringify(value)}`,
      }),
  );
}

const positiveIntegerField = (field: string) =>
  topLevel(field, fc.oneof(integerOutside(1, undefined), nonInteger, otherThan('number')));

/** Mutations of the fields both endpoints share. */
const commonMutations: fc.Arbitrary<Mutate>[] = [
  topLevel('model', fc.oneof(fc.constant(''), otherThan('string'))),
  topLevel('model', fc.stringMatching(/^unknown-[a-z0-9]{1,8}$/), { status: 404 }),
  positiveIntegerField('max_tokens'),
  // More output than the context window holds: OpenAI's context_length_exceeded names the field.
  topLevel('max_tokens', fc.integer({ min: 8193, max: 2 ** 31 }), {
    base: { max_completion_tokens: null },
  }),
  topLevel('n', fc.oneof(integerOutside(1, 128), nonInteger, otherThan('number'))),
  topLevel('temperature', fc.oneof(numberOutside(0, 2), otherThan('number'))),
  topLevel('top_p', fc.oneof(numberOutside(0, 1, true), otherThan('number'))),
  topLevel('presence_penalty', fc.oneof(numberOutside(-2, 2), otherThan('number'))),
  topLevel('frequency_penalty', fc.oneof(numberOutside(-2, 2), otherThan('number'))),
  topLevel('seed', fc.oneof(nonInteger, otherThan('number'))),
  topLevel('min_tokens', fc.oneof(integerOutside(0, undefined), nonInteger, otherThan('number'))),
  topLevel('stream', otherThan('boolean')),
  topLevel('echo', otherThan('boolean')),
  topLevel('ignore_eos', otherThan('boolean')),
  topLevel('user', otherThan('string')),
  topLevel('stream_options', otherThan('object'), { base: { stream: true } }),
  // stream_options without stream: true (OpenAI refuses it).
  topLevel('stream_options', fc.constant({ include_usage: true }), { base: { stream: false } }),
  topLevel('stream_options', otherThan('boolean'), {
    base: { stream: true },
    param: 'stream_options.include_usage',
  }).map(
    (mutate): Mutate =>
      (body) => {
        const mutated = mutate(body);
        return {
          ...mutated,
          body: { ...mutated.body, stream_options: { include_usage: mutated.body.stream_options } },
        };
      },
  ),
  topLevel('stop', otherThan('string', 'array')),
  // More stop strings than any limit allows (OpenAI: 4; vLLM: none; this server: 64).
  topLevel('stop', fc.array(fc.string({ maxLength: 3 }), { minLength: 65, maxLength: 100 })),
  fc
    .tuple(fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }), otherThan('string'), fc.nat())
    .map(
      ([strings, bad, at]): Mutate =>
        (body) => {
          const stop: unknown[] = [...strings];
          stop.splice(at % (stop.length + 1), 0, bad);
          return {
            body: { ...body, stop },
            param: 'stop',
            match: 'prefix',
            status: 400,
            description: `stop = ${fc.stringify(stop)}`,
          };
        },
    ),
];

/** A mutation of `messages[index]` (index taken modulo the body's message count). */
function messageMutation(
  describe: (index: number) => { param: string; match: 'exact' | 'prefix' },
  change: (message: Record<string, unknown> | undefined) => unknown,
  label: string,
): fc.Arbitrary<Mutate> {
  return fc.nat().map(
    (at): Mutate =>
      (body) => {
        const messages = [...(body.messages as Record<string, unknown>[])];
        const index = at % messages.length;
        messages[index] = change(messages[index]) as Record<string, unknown>;
        return {
          body: { ...body, messages },
          ...describe(index),
          status: 400,
          description: `messages[${index}] ${label}: ${fc.stringify(messages[index])}`,
        };
      },
  );
}

/** Mutations of chat-only fields. */
export const chatMutation: fc.Arbitrary<FieldMutation> = fc
  .tuple(
    validChatBody,
    fc.oneof(
      ...commonMutations,
      topLevel('messages', fc.oneof(fc.constant([]), otherThan('array'))),
      otherThan('object', 'array').chain((value) =>
        messageMutation(
          (index) => ({ param: `messages[${index}]`, match: 'exact' }),
          () => value,
          'replaced',
        ),
      ),
      fc.oneof(fc.constant(''), otherThan('string')).chain((role) =>
        messageMutation(
          (index) => ({ param: `messages[${index}].role`, match: 'exact' }),
          (message) => ({ ...message, role }),
          'role',
        ),
      ),
      messageMutation(
        (index) => ({ param: `messages[${index}].role`, match: 'exact' }),
        (message) => ({ content: message?.content }),
        'without role',
      ),
      otherThan('string', 'array').chain((content) =>
        messageMutation(
          (index) => ({ param: `messages[${index}].content`, match: 'prefix' }),
          (message) => ({ ...message, content }),
          'content',
        ),
      ),
      fc
        .oneof(
          otherThan('object', 'array'),
          fc.record({ type: otherThan('string') }),
          fc.record({ type: fc.constant('text'), text: otherThan('string') }),
        )
        .chain((part) =>
          messageMutation(
            (index) => ({ param: `messages[${index}].content`, match: 'prefix' }),
            (message) => ({ ...message, content: [{ type: 'text', text: 'a' }, part] }),
            'content part',
          ),
        ),
      positiveIntegerField('max_completion_tokens'),
      topLevel('logprobs', otherThan('boolean')),
      topLevel('top_logprobs', fc.oneof(integerOutside(0, 20), nonInteger, otherThan('number')), {
        base: { logprobs: true },
      }),
      // top_logprobs needs logprobs: true (OpenAI refuses it otherwise).
      topLevel('top_logprobs', fc.integer({ min: 0, max: 20 }), { base: { logprobs: false } }),
    ),
  )
  .map(([body, mutate]) => mutate(body));

/** A mutation of one element of an array prompt, naming `prompt[index]`. */
function promptElement(
  base: fc.Arbitrary<unknown[]>,
  bad: fc.Arbitrary<unknown>,
  match: 'exact' | 'prefix',
): fc.Arbitrary<Mutate> {
  return fc.tuple(base, bad, fc.nat()).map(
    ([items, value, at]): Mutate =>
      (body) => {
        const prompt = [...items];
        const index = at % prompt.length;
        prompt[index] = value;
        return {
          body: { ...body, prompt },
          param: match === 'exact' ? `prompt[${index}]` : 'prompt',
          match,
          status: 400,
          description: `prompt = ${fc.stringify(prompt)}`,
        };
      },
  );
}

/** Mutations of completions-only fields. */
export const completionMutation: fc.Arbitrary<FieldMutation> = fc
  .tuple(
    validCompletionBody,
    fc.oneof(
      ...commonMutations,
      topLevel(
        'prompt',
        fc.oneof(fc.constant([]), fc.constant(null), otherThan('string', 'array')),
      ),
      // Prompt longer than the 8,192-token context: context_length_exceeded names `prompt`.
      topLevel(
        'prompt',
        fc.integer({ min: 8200, max: 9000 }).map((count) => 'hello '.repeat(count)),
      ),
      // More prompts than --max-prompts (default 2,048) allows.
      topLevel(
        'prompt',
        fc
          .integer({ min: 2049, max: 2100 })
          .map((count) => Array.from({ length: count }, () => 'a')),
      ),
      // A token id past the vocabulary: the element is named.
      promptElement(
        fc.array(tokenId, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: VOCAB_SIZE, max: 2 ** 31 }),
        'exact',
      ),
      // A wrong-typed element: the prompt (or the element) is named.
      promptElement(
        // Two texts at least, so that one number among them never leaves a token-id prompt.
        fc.array(words, { minLength: 2, maxLength: 4 }),
        otherThan('string', 'array'),
        'prefix',
      ),
      promptElement(
        fc.array(tokenId, { minLength: 1, maxLength: 6 }),
        fc.oneof(integerOutside(0, undefined), nonInteger, fc.boolean(), fc.constant({})),
        'prefix',
      ),
      topLevel('logprobs', fc.oneof(integerOutside(0, 20), nonInteger, otherThan('number'))),
      topLevel('suffix', otherThan('string')),
    ),
  )
  .map(([body, mutate]) => mutate(body));

// ---------------------------------------------------------------------------------------------
// Bodies that are not JSON objects, or that no JSON object parser may accept.

const utf8 = (text: string) => Buffer.from(text, 'utf8');

/** Body bytes that are not a JSON value: truncated, trailing garbage, or random bytes. */
export const malformedJson: fc.Arbitrary<{ bytes: Buffer; description: string }> = fc.oneof(
  fc.tuple(validChatBody, fc.nat()).map(([body, at]) => {
    const text = JSON.stringify(body);
    const cut = at % text.length;
    return { bytes: utf8(text.slice(0, cut)), description: `truncated at ${cut}` };
  }),
  fc.tuple(validChatBody, fc.stringMatching(/^[^\s][\s\S]{0,8}$/)).map(([body, garbage]) => ({
    bytes: utf8(JSON.stringify(body) + garbage),
    description: `trailing ${JSON.stringify(garbage)}`,
  })),
  fc
    .uint8Array({ minLength: 1, maxLength: 120 })
    .filter((bytes) => {
      try {
        const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
        return typeof value !== 'object' || value === null || Array.isArray(value);
      } catch {
        return true;
      }
    })
    .map((bytes) => ({ bytes: Buffer.from(bytes), description: 'random bytes' })),
);

/** Byte sequences no UTF-8 decoder may accept. */
const invalidUtf8 = fc.oneof(
  fc.constantFrom(
    [0xc3, 0x28], // lead byte followed by ASCII
    [0xff],
    [0xfe],
    [0x80], // lone continuation byte
    [0xed, 0xa0, 0x80], // UTF-16 surrogate D800 encoded as UTF-8
    [0xed, 0xbf, 0xbf], // surrogate DFFF
    [0xc0, 0xaf], // overlong '/'
    [0xe0, 0x80, 0xaf], // overlong
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xe2, 0x82], // truncated 3-byte sequence
    [0xf0, 0x9f, 0x98], // truncated 4-byte sequence
  ),
  // A lead byte whose continuation is missing.
  fc
    .tuple(fc.integer({ min: 0xc2, max: 0xf4 }), fc.integer({ min: 0x20, max: 0x7e }))
    .map(([lead, ascii]) => [lead, ascii]),
);

const MARK = '\u0001MARK\u0001';

/** A valid body with invalid UTF-8 bytes inside one of its strings. */
export const invalidUtf8Body: fc.Arbitrary<{ url: string; bytes: Buffer; description: string }> = fc
  .tuple(fc.boolean(), validChatBody, validCompletionBody, invalidUtf8, fc.nat())
  .map(([chat, chatBody, completionBody, sequence, at]) => {
    let body: JsonBody;
    if (chat) {
      const messages = [...(chatBody.messages as Record<string, unknown>[])];
      const index = at % messages.length;
      messages[index] = { ...messages[index], content: `hi ${MARK} there` };
      body = { ...chatBody, messages };
    } else {
      body = { ...completionBody, prompt: `hi ${MARK} there` };
    }
    const [before, after] = JSON.stringify(body).split(JSON.stringify(MARK).slice(1, -1));
    return {
      url: chat ? '/v1/chat/completions' : '/v1/completions',
      bytes: Buffer.concat([utf8(before ?? ''), Buffer.from(sequence), utf8(after ?? '')]),
      description: `bytes ${sequence.map((byte) => byte.toString(16)).join(' ')} in a string`,
    };
  });

/** JSON text of a value nested `depth` levels deep (arrays and one-key objects mixed). */
function nestedText(depth: number, shapes: readonly boolean[]): string {
  let open = '';
  let close = '';
  for (let level = 0; level < depth; level++) {
    const array = shapes[level % shapes.length] ?? true;
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return `${open}1${close}`;
}

/** A marker string, replaced in the JSON text by raw text the generators cannot build as values. */
const SLOT = '@@slot@@';

/** JSON text of `body` with its `"@@slot@@"` string (or `"@@slot@@":0` entry) replaced. */
function fillSlot(body: unknown, raw: string, asEntry: boolean): string {
  const text = JSON.stringify(body);
  return text.replace(asEntry ? `"${SLOT}":0` : `"${SLOT}"`, raw);
}

/** Where a generated value goes in a valid (non-streaming) chat body. */
function placeInChatBody(body: JsonBody, site: string, value: unknown): JsonBody {
  const plain = { ...body, stream: false, stream_options: null };
  const messages = body.messages as Record<string, unknown>[];
  const [first, ...rest] = messages;
  switch (site) {
    case 'unknown field':
      return { ...plain, extra: { inner: value } };
    case 'message field':
      return { ...plain, messages: [{ ...first, extra: value }, ...rest] };
    case 'message content':
      return { ...plain, messages: [{ ...first, content: value }, ...rest] };
    case 'stop':
      return { ...plain, stop: value };
    case 'stream_options':
      return { ...plain, stream: true, stream_options: { include_usage: true, extra: value } };
    default:
      return { [SLOT]: 0, ...plain };
  }
}

/** Sites whose value the schema ignores, then the ones it checks. */
export const IGNORED_SITES = ['unknown field', 'message field', 'stream_options'] as const;
const NEST_SITES = [...IGNORED_SITES, 'message content', 'stop'] as const;

/**
 * A valid chat body holding a value nested `depth` levels deep at one of `sites`; the body adds
 * at most 3 levels around it (root object, `messages` array, message object).
 */
export function nestedChatBody(depth: fc.Arbitrary<number>, sites: readonly string[] = NEST_SITES) {
  return fc
    .tuple(
      validChatBody,
      depth,
      fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
      fc.constantFrom(...sites),
    )
    .map(([body, levels, shapes, site]) => ({
      text: fillSlot(placeInChatBody(body, site, SLOT), nestedText(levels, shapes), false),
      description: `${levels} levels in ${site}`,
    }));
}

/** Keys that poison prototypes when a parser or a merge assigns them. */
const poison = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }).map((value) => `"__proto__":${JSON.stringify(value)}`),
  fc.constant('"__proto__":{"polluted":"yes"}'),
  fc.constant('"constructor":{"prototype":{"polluted":"yes"}}'),
  fc
    .jsonValue({ maxDepth: 1 })
    .map((value) => `"constructor":{"prototype":${JSON.stringify(value)}}`),
);

/** A valid chat body with a prototype key, at the top or inside a nested object. */
export const poisonedChatBody = fc
  .tuple(
    validChatBody,
    poison,
    fc.constantFrom('top', ...NEST_SITES.filter((site) => site !== 'stop')),
  )
  .map(([body, entry, site]) => ({
    text: fillSlot(placeInChatBody(body, site, { [SLOT]: 0 }), entry, true),
    description: `${entry} at ${site}`,
  }));

// ---------------------------------------------------------------------------------------------
// Headers, queries, paths.

/** Header values as clients send them, well-formed or not (printable ASCII only: inject checks). */
const headerText = fc.string({
  maxLength: 40,
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
});

export const contentTypeValue = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    'application/json;',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'text/plain',
    'text/plain; charset=utf-8',
    'application/octet-stream',
    'application/vnd.api+json',
    '*/*',
    '',
    ';',
    'json',
  ),
  headerText,
);

export const randomHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'content-type': contentTypeValue,
    authorization: fc.oneof(
      headerText,
      headerText.map((key) => `Bearer ${key}`),
      fc.constant('Bearer'),
    ),
    accept: fc.oneof(
      fc.constantFrom('text/event-stream', 'application/json', '*/*', 'text/html'),
      headerText,
    ),
    'content-encoding': fc.oneof(
      fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'zstd'),
      headerText,
    ),
    'accept-encoding': fc.oneof(fc.constantFrom('gzip', 'br', 'identity;q=0'), headerText),
    origin: fc.oneof(fc.constant('http://example.com'), headerText),
    'x-request-id': headerText,
    connection: fc.constantFrom('close', 'keep-alive', 'upgrade'),
    expect: fc.constantFrom('100-continue', 'nothing'),
  },
  { requiredKeys: [] },
);

/** A URL query component: ordinary text, or raw percent signs and separators. */
export const queryText = fc.oneof(
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({
    maxLength: 12,
    unit: fc.constantFrom('%', '&', '=', '+', '[', ']', 'a', '0', '.', '-', 'E', '%zz', '%E0%A4%A'),
  }),
);

/** Path segments that are hard to route: encodings, dots, unicode, slashes. */
export const hardSegment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).map(encodeURIComponent),
  fc.string({
    minLength: 1,
    maxLength: 8,
    unit: fc.constantFrom(
      'a',
      '.',
      '%2F',
      '%25',
      '%00',
      '..',
      '~',
      '%20',
      ';',
      '@',
      'é',
      '%C3%A9',
      '*',
    ),
  }),
);

/** Percent-encoding that does not decode (a lone `%`, bad hex, invalid UTF-8). */
export const badPercent = fc.constantFrom(
  '%',
  '%zz',
  '%E0%A4%A',
  '%C3%28',
  '%FF',
  '%ED%A0%80',
  'a%',
  '%%',
);

// ---------------------------------------------------------------------------------------------
// Raw HTTP/1.1 requests.

const CRLF = '\r\n';

/** JSON text's UTF-8 bytes as a latin1 string (raw requests are assembled byte for byte). */
const latin1Json = (body: unknown) => Buffer.from(JSON.stringify(body), 'utf8').toString('latin1');

/** Requests as clients send them to each route (the body is JSON text or empty). */
const wellFormedRequest = fc.oneof(
  fc
    .tuple(
      fc.oneof(
        validChatBody.map((body) => ['/v1/chat/completions', latin1Json(body)] as const),
        validCompletionBody.map((body) => ['/v1/completions', latin1Json(body)] as const),
        fc.tuple(
          fc.constantFrom('/v1/chat/completions', '/v1/completions'),
          malformedJson.map(({ bytes }) => bytes.toString('latin1')),
        ),
      ),
      fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
    )
    .map(([[target, body], type]) => ({
      method: 'POST',
      target,
      body,
      headers: [`Content-Type: ${type}`],
    })),
  fc
    .constantFrom(
      '/v1/models',
      `/v1/models/${FUZZ_MODEL}`,
      '/health',
      '/status',
      '/metrics',
      '/',
      '/dashboard',
      '/dashboard/data?since=0',
      '/debug/requests?limit=2',
      '/nowhere',
    )
    .map((target) => ({ method: 'GET', target, body: '', headers: [] as string[] })),
);

/** A raw request being built: its head lines, its body, and (once cut short) its bytes. */
interface RawDraft {
  lines: string[];
  body: string;
  bytes?: Buffer;
}

/** One thing wrong with a request. */
type Defect = (request: RawDraft) => void;

const named = (name: string, apply: Defect) => ({ name, apply });

const replaceRequestLine =
  (change: (parts: string[]) => string): Defect =>
  (request) => {
    request.lines[0] = change((request.lines[0] ?? '').split(' '));
  };

const defect: fc.Arbitrary<{ name: string; apply: Defect }> = fc.oneof<
  fc.Arbitrary<{ name: string; apply: Defect }>[]
>(
  fc
    .oneof(
      fc.constantFrom(
        'PUT',
        'DELETE',
        'OPTIONS',
        'HEAD',
        'PATCH',
        'CONNECT',
        'TRACE',
        'PRI',
        'get',
      ),
      fc.stringMatching(/^[A-Z]{1,10}$/),
      fc
        .string({ maxLength: 6, unit: 'binary' })
        .map((text) => Buffer.from(text).toString('latin1')),
    )
    .map((method) =>
      named(
        `method ${JSON.stringify(method)}`,
        replaceRequestLine(([, target, version]) => `${method} ${target} ${version}`),
      ),
    ),
  fc
    .oneof(
      fc.constantFrom(
        '*',
        'http://127.0.0.1/health',
        '/%',
        '/%zz',
        '//',
        '/../../etc/passwd',
        '',
        '/a b',
      ),
      fc.string({ maxLength: 30 }).map((text) => `/${text}`),
      fc.integer({ min: 9_000, max: 70_000 }).map((length) => `/${'a'.repeat(length)}`),
    )
    .map((target) =>
      named(
        `target ${JSON.stringify(target.slice(0, 40))}`,
        replaceRequestLine(([method, , version]) => `${method} ${target} ${version}`),
      ),
    ),
  fc
    .constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'HTTPS/1.1', 'HTTP/1.10', '')
    .map((version) =>
      named(
        `version ${JSON.stringify(version)}`,
        replaceRequestLine(([method, target]) => `${method} ${target} ${version}`.trimEnd()),
      ),
    ),
  fc
    .oneof(
      fc.constantFrom(
        'Content-Length: 0',
        'Content-Length: -1',
        'Content-Length: abc',
        'Content-Length: 99999999999999999999',
        'Content-Length: 5',
        'Content-Length: 5, 6',
        'Transfer-Encoding: chunked',
        'Transfer-Encoding: gzip, chunked',
        'Transfer-Encoding: identity',
        'Connection: close',
        'Connection: Upgrade',
        'Upgrade: websocket',
        'Upgrade: h2c',
        'Expect: 100-continue',
        'Content-Encoding: gzip',
        'Authorization: Bearer x',
        ' folded continuation',
        'No colon here',
        'Bad Name: x',
        ': empty name',
        'X-Nul: a\u0000b',
        `X-Big: ${'b'.repeat(20_000)}`,
      ),
      fc
        .tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), headerText)
        .map(([name, value]) => `${name}: ${value}`),
      fc
        .string({ maxLength: 30, unit: 'binary' })
        .map((text) => Buffer.from(text).toString('latin1')),
    )
    .map((line) =>
      named(`header ${JSON.stringify(line.slice(0, 40))}`, (request) => {
        request.lines.push(line);
      }),
    ),
  fc.constant(
    named('no Host', (request) => {
      request.lines.splice(1, 1);
    }),
  ),
  fc
    .constantFrom(
      `5${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
      `zz${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
      `ffffffffffffffff${CRLF}hello${CRLF}`,
      `5${CRLF}hello`,
      `3${CRLF}hello${CRLF}0${CRLF}${CRLF}`,
    )
    .map((chunks) =>
      named(`chunked ${JSON.stringify(chunks)}`, (request) => {
        request.lines = request.lines.filter((line) => !line.startsWith('Content-Length'));
        request.lines.push('Transfer-Encoding: chunked');
        request.body = chunks;
      }),
    ),
  fc.constant(
    named('pipelined GET /health', (request) => {
      request.body += `GET /health HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}${CRLF}`;
    }),
  ),
  fc.nat().map((at) =>
    named(`cut at ${at}`, (request) => {
      const bytes = Buffer.from(
        `${request.lines.join(CRLF)}${CRLF}${CRLF}${request.body}`,
        'latin1',
      );
      request.bytes = bytes.subarray(0, at % (bytes.length + 1));
    }),
  ),
);

/** One raw request, as sent. */
export interface RawRequest {
  readonly bytes: Buffer;
  readonly description: string;
}

/** Raw HTTP/1.1 requests: well-formed ones with up to three defects (bad lines, cut short, …). */
export const rawRequest: fc.Arbitrary<RawRequest> = fc
  .tuple(
    wellFormedRequest,
    fc.oneof(fc.constant([]), fc.array(defect, { minLength: 1, maxLength: 3 })),
  )
  .map(([request, defects]) => {
    const state: RawDraft = {
      lines: [
        `${request.method} ${request.target} HTTP/1.1`,
        'Host: 127.0.0.1',
        ...request.headers,
        `Content-Length: ${Buffer.byteLength(request.body, 'latin1')}`,
      ],
      body: request.body,
    };
    for (const { apply } of defects) if (state.bytes === undefined) apply(state);
    const bytes =
      state.bytes ?? Buffer.from(`${state.lines.join(CRLF)}${CRLF}${CRLF}${state.body}`, 'latin1');
    const names = defects.map(({ name }) => name).join('; ');
    return {
      bytes,
      description: `${request.method} ${request.target}${names === '' ? '' : ` with ${names}`}`,
    };
  });

/** Requests Node's HTTP parser refuses before any route sees them. */
export const unparsableRequest: fc.Arbitrary<RawRequest> = fc
  .tuple(
    fc.constantFrom(
      'GET /health HTTP/1.1\r\nBad Name: x\r\n\r\n',
      'GET /health HTTP/1.1\r\nX-Nul: a\u0000b\r\n\r\n',
      'POST /v1/completions HTTP/1.1\r\nContent-Length: abc\r\n\r\n',
      'POST /v1/completions HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
      'POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
      'GET /health HTTP/9.9\r\n\r\n',
      '\u0001\u0002\u0003 / HTTP/1.1\r\n\r\n',
    ),
    fc.constantFrom('Host: 127.0.0.1\r\n', ''),
  )
  .map(([text, host]) => {
    const withHost = text.replace('\r\n', `\r\n${host}`);
    return { bytes: Buffer.from(withHost, 'latin1'), description: JSON.stringify(withHost) };
  });
