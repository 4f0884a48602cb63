/**
 * @module Chat templates rendered the way each model's Hugging Face `chat_template` renders a
 * conversation with `add_generation_prompt=True` (no tools), without a Jinja engine. The result
 * is the prompt text, special tokens spelled out; vLLM tokenizes exactly this text (without
 * adding BOS), so counting it with the right special-token set reproduces `prompt_tokens`.
 */

/** One chat message with plain-text content (content parts already joined by the caller). */
export interface ChatMessageText {
  readonly role: string;
  readonly content: string;
}

/** The chat template families modelled here. */
export type ChatTemplateName =
  | 'llama3.1'
  | 'llama3'
  | 'llama2'
  | 'mistral'
  | 'mistral-v3'
  | 'chatml-qwen2.5'
  | 'chatml-qwen2'
  | 'chatml-qwen3'
  | 'phi3'
  | 'chatml';

/** Python's `str.strip()` and Jinja's `trim`: whitespace off both ends, as `trim()` does. */
function strip(text: string): string {
  return text.trim();
}

/** Jinja's `x.lstrip('\n')` / `x.rstrip('\n')`: newlines only, not other whitespace. */
function stripNewlines(text: string, side: 'start' | 'end' | 'both'): string {
  let start = 0;
  let end = text.length;
  if (side !== 'end') while (start < end && text[start] === '\n') start++;
  if (side !== 'start') while (end > start && text[end - 1] === '\n') end--;
  return text.slice(start, end);
}

/** A leading system message split off, as most templates do with `messages[0]`. */
function splitLeadingSystem(messages: readonly ChatMessageText[]): {
  system: string | undefined;
  rest: readonly ChatMessageText[];
} {
  const first = messages[0];
  if (first?.role === 'system') return { system: first.content, rest: messages.slice(1) };
  return { system: undefined, rest: messages };
}

/**
 * Llama 3.1 / 3.3: a system block is always present (knowledge cut-off and the template's fixed
 * fallback date, then the trimmed system message if any); tool results use the `ipython` header
 * and are not trimmed.
 */
function renderLlama31(messages: readonly ChatMessageText[]): string {
  const { system, rest } = splitLeadingSystem(messages);
  const parts = [
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n',
    'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n',
    system === undefined ? '' : strip(system),
    '<|eot_id|>',
  ];
  for (const message of rest) {
    if (message.role === 'tool' || message.role === 'ipython') {
      parts.push('<|start_header_id|>ipython<|end_header_id|>\n\n', message.content, '<|eot_id|>');
    } else {
      parts.push(llama3Turn(message));
    }
  }
  parts.push(LLAMA3_GENERATION_PROMPT);
  return parts.join('');
}

const LLAMA3_GENERATION_PROMPT = '<|start_header_id|>assistant<|end_header_id|>\n\n';

/** One message of the Llama 3 templates: role header, trimmed content, end of turn. */
function llama3Turn(message: ChatMessageText): string {
  return `<|start_header_id|>${message.role}<|end_header_id|>\n\n${strip(message.content)}<|eot_id|>`;
}

/** Meta-Llama-3 Instruct: BOS before the first message, every role as its own header. */
function renderLlama3(messages: readonly ChatMessageText[]): string {
  const parts: string[] = messages.length > 0 ? ['<|begin_of_text|>'] : [];
  for (const message of messages) parts.push(llama3Turn(message));
  parts.push(LLAMA3_GENERATION_PROMPT);
  return parts.join('');
}

/**
 * Llama 2 chat: BOS + `[INST]` per user turn, the system message folded into the first turn
 * between `<<SYS>>` markers, EOS after each answer; no generation prompt. The real template
 * raises on roles other than user/assistant; here they count as user turns so that their text is
 * not silently dropped from the count.
 */
function renderLlama2(messages: readonly ChatMessageText[]): string {
  const { system, rest } = splitLeadingSystem(messages);
  const parts: string[] = [];
  rest.forEach((message, index) => {
    const content =
      index === 0 && system !== undefined
        ? `<<SYS>>\n${system}\n<</SYS>>\n\n${message.content}`
        : message.content;
    if (message.role === 'assistant') parts.push(` ${strip(content)} </s>`);
    else parts.push(`<s>[INST] ${strip(content)} [/INST]`);
  });
  return parts.join('');
}

/**
 * Mistral 7B Instruct v0.1/v0.2 and Mixtral 8x7B Instruct: one BOS, the system message folded
 * into the first user turn, ` [INST] … [/INST]` with spaces on both sides. Roles the template
 * rejects count as user turns, as for Llama 2.
 */
function renderMistral(messages: readonly ChatMessageText[]): string {
  const { system, rest } = splitLeadingSystem(messages);
  const parts = ['<s>'];
  rest.forEach((message, index) => {
    if (message.role === 'assistant') {
      parts.push(` ${message.content}</s>`);
    } else if (index === 0 && system !== undefined) {
      parts.push(` [INST] ${system}\n\n${message.content} [/INST]`);
    } else {
      parts.push(` [INST] ${message.content} [/INST]`);
    }
  });
  return parts.join('');
}

/**
 * Mistral 7B Instruct v0.3 (tokenizer v3, `[INST]` is a control token): the system message is
 * folded into the *last* message when that is a user turn, and dropped otherwise, as the
 * published template does; answers are trimmed and preceded by one space.
 */
function renderMistralV3(messages: readonly ChatMessageText[]): string {
  const { system, rest } = splitLeadingSystem(messages);
  const parts = ['<s>'];
  rest.forEach((message, index) => {
    if (message.role === 'assistant') {
      parts.push(` ${strip(message.content)}</s>`);
    } else if (index === rest.length - 1 && system !== undefined) {
      parts.push(`[INST] ${system}\n\n${message.content}[/INST]`);
    } else {
      parts.push(`[INST] ${message.content}[/INST]`);
    }
  });
  return parts.join('');
}

/** One ChatML turn. */
function chatMlTurn(role: string, content: string): string {
  return `<|im_start|>${role}\n${content}<|im_end|>\n`;
}

/**
 * Qwen's tool results: consecutive `tool` messages share one user turn, each wrapped in
 * `<tool_response>` tags.
 */
function qwenToolTurn(messages: readonly ChatMessageText[], index: number): string {
  const previous = messages[index - 1];
  const next = messages[index + 1];
  const opens = previous === undefined || previous.role !== 'tool';
  const closes = next === undefined || next.role !== 'tool';
  const content = messages[index]?.content ?? '';
  const response = `\n<tool_response>\n${content}\n</tool_response>`;
  return `${opens ? '<|im_start|>user' : ''}${response}${closes ? '<|im_end|>\n' : ''}`;
}

/**
 * Qwen2 / Qwen2.5 ChatML: a system turn always comes first (the given one, or
 * `defaultSystem`); roles other than user, system, assistant and tool render nothing, as in the
 * published template.
 */
function renderQwen2(messages: readonly ChatMessageText[], defaultSystem: string): string {
  const first = messages[0];
  const parts = [chatMlTurn('system', first?.role === 'system' ? first.content : defaultSystem)];
  messages.forEach((message, index) => {
    if (message.role === 'user' || message.role === 'assistant') {
      parts.push(chatMlTurn(message.role, message.content));
    } else if (message.role === 'system' && index > 0) {
      parts.push(chatMlTurn('system', message.content));
    } else if (message.role === 'tool') {
      parts.push(qwenToolTurn(messages, index));
    }
  });
  parts.push('<|im_start|>assistant\n');
  return parts.join('');
}

/** Index of the last user message that is a real query, not a wrapped tool response. */
function lastQueryIndex(messages: readonly ChatMessageText[]): number {
  for (let index = messages.length - 1; index >= 0; index--) {
    const message = messages[index];
    if (message === undefined || message.role !== 'user') continue;
    const content = message.content;
    if (!(content.startsWith('<tool_response>') && content.endsWith('</tool_response>'))) {
      return index;
    }
  }
  return messages.length - 1;
}

/**
 * Qwen3 assistant turn: reasoning (`<think>…</think>`) is dropped from turns before the last
 * user query and kept after it (the agentic continuation of the current turn).
 */
function qwen3AssistantTurn(
  messages: readonly ChatMessageText[],
  index: number,
  lastQuery: number,
): string {
  const raw = messages[index]?.content ?? '';
  let content = raw;
  let reasoning = '';
  if (raw.includes('</think>')) {
    const pieces = raw.split('</think>');
    content = stripNewlines(pieces[pieces.length - 1] ?? '', 'start');
    const beforeClose = stripNewlines(pieces[0] ?? '', 'end').split('<think>');
    reasoning = stripNewlines(beforeClose[beforeClose.length - 1] ?? '', 'start');
  }
  const isLast = index === messages.length - 1;
  if (index > lastQuery && (isLast || reasoning !== '')) {
    const thought = stripNewlines(reasoning, 'both');
    const answer = stripNewlines(content, 'start');
    return `<|im_start|>assistant\n<think>\n${thought}\n</think>\n\n${answer}<|im_end|>\n`;
  }
  return `<|im_start|>assistant\n${content}<|im_end|>\n`;
}

/**
 * Qwen3 ChatML: no default system message; thinking enabled by default, which adds nothing to
 * the generation prompt.
 */
function renderQwen3(messages: readonly ChatMessageText[]): string {
  const lastQuery = lastQueryIndex(messages);
  const parts: string[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'user' || message.role === 'system') {
      parts.push(chatMlTurn(message.role, message.content));
    } else if (message.role === 'assistant') {
      parts.push(qwen3AssistantTurn(messages, index, lastQuery));
    } else if (message.role === 'tool') {
      parts.push(qwenToolTurn(messages, index));
    }
  });
  parts.push('<|im_start|>assistant\n');
  return parts.join('');
}

const PHI3_ROLE_TAGS: Readonly<Record<string, string>> = {
  system: '<|system|>',
  user: '<|user|>',
  assistant: '<|assistant|>',
};

/** Phi-3 family (Phi-mini-MoE): `<|role|>\n…<|end|>\n`; an empty system message is skipped. */
function renderPhi3(messages: readonly ChatMessageText[]): string {
  const parts: string[] = [];
  for (const message of messages) {
    const tag = PHI3_ROLE_TAGS[message.role];
    if (tag === undefined || (message.role === 'system' && message.content === '')) continue;
    parts.push(`${tag}\n${message.content}<|end|>\n`);
  }
  parts.push('<|assistant|>\n');
  return parts.join('');
}

/** Generic ChatML for base models without a template and unknown families. */
function renderChatMl(messages: readonly ChatMessageText[]): string {
  const turns = messages.map((message) => chatMlTurn(message.role, message.content));
  return `${turns.join('')}<|im_start|>assistant\n`;
}

const RENDERERS: Readonly<
  Record<ChatTemplateName, (messages: readonly ChatMessageText[]) => string>
> = {
  'llama3.1': renderLlama31,
  llama3: renderLlama3,
  llama2: renderLlama2,
  mistral: renderMistral,
  'mistral-v3': renderMistralV3,
  'chatml-qwen2.5': (messages) =>
    renderQwen2(messages, 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.'),
  'chatml-qwen2': (messages) => renderQwen2(messages, 'You are a helpful assistant.'),
  'chatml-qwen3': renderQwen3,
  phi3: renderPhi3,
  chatml: renderChatMl,
};

/**
 * The prompt text `template` renders for `messages`, ending in the generation prompt (the
 * assistant header) where the template has one. BOS appears only where the template writes it.
 */
export function renderChatPrompt(
  template: ChatTemplateName,
  messages: readonly ChatMessageText[],
): string {
  return RENDERERS[template](messages);
}
