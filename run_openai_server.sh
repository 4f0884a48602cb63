#!/usr/bin/env bash
# @module Starts the OpenAI-compatible LLMServingSim server, as the original tool's launcher of the
# same name did: `./run_openai_server.sh [--port P] [--host H] [serve options...]`. On first use it
# installs the dependencies (which also builds), so a fresh clone needs nothing else.
set -euo pipefail

ROOT="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
MIN_NODE_MAJOR=20

# Flags win over the environment, which wins over the original's defaults.
HOST="${LLMSERVINGSIM_HOST:-localhost}"
PORT="${LLMSERVINGSIM_PORT:-8000}"

usage() {
  cat <<EOF
Usage: ./run_openai_server.sh [--port PORT] [--host HOST] [serve options...]

Starts the LLMServingSim OpenAI-compatible server (POST /v1/chat/completions,
POST /v1/completions, GET /v1/models, GET /health, GET /status).

  --port PORT   port to listen on (default: \$LLMSERVINGSIM_PORT, else 8000)
  --host HOST   address to listen on (default: \$LLMSERVINGSIM_HOST, else localhost;
                0.0.0.0 to accept other machines)
  -h, --help    show this help

Every other option goes to \`llmservingsim serve\` unchanged, e.g.
  ./run_openai_server.sh --port 8080 --model Qwen/Qwen2.5-7B-Instruct --hardware A100 --time-scale 10

Dependencies are installed (and the project built) on first use. Then try:
  curl http://$HOST:$PORT/health
  npm run test:api -- http://$HOST:$PORT
EOF
}

fail() {
  echo "run_openai_server.sh: $*" >&2
  exit 1
}

# Fails unless the flag in `$1` has a value after it (`$2`). Runs in this shell, not a
# subshell, so that its failure ends the script.
require_value() {
  [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || fail "$1 needs a value (see --help)"
}

SHOW_HELP=0
PASSTHROUGH=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) SHOW_HELP=1 ;;
    # The original needed --idle_mode to serve without generating traffic; serving always is.
    --idle_mode | --idle-mode) ;;
    # The original tool's main program called these --http_port and --http_host.
    --port | --http_port)
      require_value "$@"
      PORT="$2"
      shift
      ;;
    --port=* | --http_port=*) PORT="${1#*=}" ;;
    --host | --http_host)
      require_value "$@"
      HOST="$2"
      shift
      ;;
    --host=* | --http_host=*) HOST="${1#*=}" ;;
    *) PASSTHROUGH+=("$1") ;;
  esac
  shift
done

ENTRY="$ROOT/bin/llmservingsim.js"
BUILT="$ROOT/dist/cli/main.js"

if [[ "$SHOW_HELP" == 1 ]]; then
  usage
  echo
  if command -v node >/dev/null 2>&1 && [[ -f "$BUILT" ]]; then
    echo "Options of \`llmservingsim serve\` (run \`npx llmservingsim serve --help\` for the same):"
    echo
    node "$ENTRY" serve --help
  else
    echo "For the options of \`llmservingsim serve\`, run \`npx llmservingsim serve --help\` once the"
    echo "project is installed (running this script without --help installs it)."
  fi
  exit 0
fi

command -v node >/dev/null 2>&1 ||
  fail "Node.js is not installed; install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org) and retry"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
if ((NODE_MAJOR < MIN_NODE_MAJOR)); then
  fail "Node.js ${MIN_NODE_MAJOR} or newer is required, found $(node --version) at $(command -v node)"
fi

# Installing and building happen in the project folder, but the server runs from the caller's
# folder, so relative paths in options (--model ./config.json, --hardware ./gpu.json) still work.
if [[ ! -d "$ROOT/node_modules" ]]; then
  command -v npm >/dev/null 2>&1 || fail "npm is not installed; it comes with Node.js"
  echo "Installing dependencies (first run; this also builds the project)..." >&2
  (cd "$ROOT" && npm install --no-fund --no-audit) || fail "npm install failed (see above)"
fi
if [[ ! -f "$BUILT" ]]; then
  echo "Building the project..." >&2
  (cd "$ROOT" && npm run build --silent) || fail "the build failed (see above)"
fi

exec node "$ENTRY" serve --host "$HOST" --port "$PORT" ${PASSTHROUGH[@]+"${PASSTHROUGH[@]}"}
