import { describe, expect, it } from 'vitest';
import { StreamObserver } from './stream-observer.js';

const event = (payload: object | string) =>
  `data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`;

describe('StreamObserver', () => {
  it('times the role-only opening chunk as the first chunk and reads the usage chunk', () => {
    const observer = new StreamObserver();
    observer.feed(
      event({ id: 'chatcmpl-1', choices: [{ delta: { role: 'assistant', content: '' } }] }),
      10,
    );
    observer.feed(event({ id: 'chatcmpl-1', choices: [{ delta: { content: ' lorem' } }] }), 25);
    observer.feed(event({ id: 'chatcmpl-1', choices: [{ delta: { content: ' ipsum' } }] }), 40);
    observer.feed(
      event({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 7, completion_tokens: 2 } }),
      55,
    );
    observer.feed(event('[DONE]'), 60);
    const observed = observer.finish(61);
    // The usage chunk and [DONE] carry no choices: they neither add a gap nor end the request.
    expect(observed.chunkTimesMs).toEqual([10, 25, 40]);
    expect(observed.generatedText).toBe(' lorem ipsum');
    expect(observed.usage).toEqual({ promptTokens: 7, completionTokens: 2 });
    expect(observed.responseId).toBe('chatcmpl-1');
    expect(observed.error).toBeNull();
  });

  it('reads completions text, events split across reads, several events per read and comments', () => {
    const observer = new StreamObserver();
    const whole =
      ': ping\n\n' +
      event({ choices: [{ text: 'a' }] }) +
      event({ choices: [{ text: 'b' }] }) +
      event({ choices: [{ text: 'c' }] });
    observer.feed(whole.slice(0, 20), 1);
    observer.feed(whole.slice(20, 60), 2);
    observer.feed(whole.slice(60), 3);
    const observed = observer.finish(4);
    expect(observed.generatedText).toBe('abc');
    expect(observed.chunkTimesMs).toHaveLength(3);
    // Each chunk is stamped with the time of the read that completed it.
    expect(observed.chunkTimesMs[2]).toBe(3);
    expect(observed.usage).toBeNull();
  });

  it('ignores usage sent alongside choices (continuous usage), as vLLM does', () => {
    const observer = new StreamObserver();
    observer.feed(event({ choices: [{ text: 'x' }], usage: { completion_tokens: 1 } }), 1);
    expect(observer.finish(2).usage).toBeNull();
  });

  it('counts a last event that lacks its blank line', () => {
    const observer = new StreamObserver();
    observer.feed(`${event({ choices: [{ text: 'a' }] })}data: {"choices":[{"text":"b"}]}`, 5);
    expect(observer.finish(9).generatedText).toBe('ab');
  });

  it('fails on malformed JSON and on an error object in the stream', () => {
    const malformed = new StreamObserver();
    malformed.feed(event({ choices: [{ text: 'a' }] }), 1);
    malformed.feed('data: {"choices": [\n\n', 2);
    expect(malformed.finish(3).error).toMatch(/^malformed stream chunk/);

    const failed = new StreamObserver();
    failed.feed(event({ error: { message: 'KV cache exhausted', type: 'server_error' } }), 1);
    expect(failed.finish(2).error).toBe('error in stream: KV cache exhausted');
  });
});
