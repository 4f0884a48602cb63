/**
 * @module Escaping for the pages we generate: text placed in HTML, and script or JSON placed
 * inside an inline `<script>` element (user-supplied names, such as a model path, must never
 * become markup or end the script early).
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text (or an attribute value) as HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** Script text made safe inside an inline `<script>` element. */
export function inlineScriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** A value as a JavaScript expression safe inside an inline `<script>` element. */
export function jsonForScript(value: unknown): string {
  // `<`, U+2028 and U+2029 are valid JSON but can end the element or break older parsers.
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
