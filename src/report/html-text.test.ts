import { describe, expect, it } from 'vitest';
import { escapeHtml, inlineScriptText, jsonForScript } from './html-text.js';

describe('html-text', () => {
  it('escapes markup characters in text', () => {
    expect(escapeHtml(`<img src=x onerror="a('b')">&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;',
    );
  });

  it('keeps a closing script tag out of inline scripts', () => {
    expect(inlineScriptText('a="</SCRIPT><!--"')).toBe('a="<\\/SCRIPT><\\!--"');
  });

  it('writes JSON that parses back to the value and holds no "<"', () => {
    const value = { model: '</script><b>', line: 'a\u2028b' };
    const text = jsonForScript(value);
    expect(text).not.toContain('<');
    expect(JSON.parse(text)).toEqual(value);
  });
});
