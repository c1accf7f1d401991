#!/usr/bin/env bash
# Start Stride's Streamlit server: the Docker image's ENTRYPOINT, and runnable as is outside Docker.
#   PORT (8501), ADDRESS (0.0.0.0): where to listen
#   STRIDE_MAX_UPLOAD_MB (10): Streamlit's own per-file upload cap follows the app's limit
#   PYTHON (python): the interpreter, e.g. a virtual environment's (a path or a name on PATH)
#   MALLOC_ARENA_MAX (4): C heaps the server's threads share; glibc's default, 8 per core, kept about
#     150 MB more under a 30-student load test (README, Hosting for a class: Memory)
#   STRIDE_SITE (unset): the name or address students open through the HTTPS proxy. When set, Streamlit
#     is told it (browser.serverAddress, port 443: no outbound look-up of the server's own address at
#     each start) and accepts websockets only for it and for localhost (server.allowedHosts).
# Extra arguments go to `streamlit run`, e.g. `--logger.level debug`.
set -euo pipefail

# the app root is this script's folder's parent, wherever it is started from
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

PYTHON=${PYTHON:-python}
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-4}  # read by glibc as the process starts

# every STRIDE_* variable checked before the server starts (a class-mode password needs 10 characters);
# its one line (class mode, cores found under the CPU quota, runs and threads) goes to the log
"$PYTHON" -m core.settings >&2

if [ -z "${STRIDE_TEACHER_PASSWORD:-}" ] && [ -z "${STRIDE_TEACHER_PASSWORD_FILE:-}" ]; then
    echo "stride: warning: class mode is off: every visitor sees every run; set STRIDE_TEACHER_PASSWORD" \
        "to turn it on (each student then sees only their own runs)" >&2
fi

SITE_ARGS=()
if [ -n "${STRIDE_SITE:-}" ]; then
    SITE_ARGS=(--browser.serverAddress "$STRIDE_SITE" --browser.serverPort 443
        --server.allowedHosts "$STRIDE_SITE" --server.allowedHosts localhost --server.allowedHosts 127.0.0.1)
fi

exec "$PYTHON" -m streamlit run streamlit_app.py \
    --server.port "${PORT:-8501}" \
    --server.address "${ADDRESS:-0.0.0.0}" \
    --server.headless true \
    --server.maxUploadSize "${STRIDE_MAX_UPLOAD_MB:-10}" \
    "${SITE_ARGS[@]}" \
    "$@"
