/**
 * @module The original LLMServingSim's command line (`--idle_mode --http_host H --http_port P
 * --model_name M --hardware HW --npu_num N --npu_mem GB --verbose`), translated to today's
 * subcommands: `--idle_mode` means `serve`, anything else `simulate`.
 */

/** Historical flag → current flag. */
const RENAMED: Readonly<Record<string, string>> = {
  '--http_host': '--host',
  '--http_port': '--port',
  '--model_name': '--model',
  '--npu_num': '--npu-num',
  '--npu_mem': '--npu-mem',
};

const IDLE_MODE = new Set(['--idle_mode', '--idle-mode']);
const SERVE_ONLY = new Set(['--http_host', '--http_port', '--verbose']);

function flagName(argument: string): string {
  return argument.split('=')[0] as string;
}

/** Whether `argv` uses the historical interface (a flag first, and at least one old flag). */
export function isHistoricalInvocation(argv: readonly string[]): boolean {
  const first = argv[0];
  if (first === undefined || !first.startsWith('--')) return false;
  return argv.some((argument) => {
    const name = flagName(argument);
    return IDLE_MODE.has(name) || name in RENAMED;
  });
}

/**
 * Rewrites a historical invocation as a subcommand invocation. Returns the new argv, or an error
 * message when a serve-only flag is used without `--idle_mode`.
 */
export function translateHistoricalArguments(
  argv: readonly string[],
): { argv: string[] } | { error: string } {
  const serve = argv.some((argument) => IDLE_MODE.has(flagName(argument)));
  const translated: string[] = [serve ? 'serve' : 'simulate'];
  for (const argument of argv) {
    const name = flagName(argument);
    if (IDLE_MODE.has(name)) continue;
    if (!serve && SERVE_ONLY.has(name)) {
      return { error: `${name} applies to the server only: add --idle_mode (or use 'serve')` };
    }
    const renamed = RENAMED[name];
    translated.push(renamed === undefined ? argument : renamed + argument.slice(name.length));
  }
  return { argv: translated };
}
