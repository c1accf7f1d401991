#!/usr/bin/env bash
# Start Stride's Streamlit server: the Docker image's ENTRYPOINT, and runnable as is outside Docker.
#   PORT (8501), ADDRESS (0.0.0.0): where to listen
#   STRIDE_MAX_UPLOAD_MB (10): Streamlit's own per-file upload cap follows the app's limit
#   PYTHON (python): the interpreter, e.g. a virtual environment's (a path or a name on PATH)
# Extra arguments go to `streamlit run`, e.g. `--logger.level debug`.
set -euo pipefail

# the app root is this script's folder's parent, wherever it is started from
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

PYTHON=${PYTHON:-python}

# every STRIDE_* variable checked before the server starts (a class-mode password needs 10 characters)
"$PYTHON" -m core.settings >/dev/null

if [ -z "${STRIDE_TEACHER_PASSWORD:-}" ] && [ -z "${STRIDE_TEACHER_PASSWORD_FILE:-}" ]; then
    echo "stride: warning: class mode is off: every visitor sees every run; set STRIDE_TEACHER_PASSWORD" \
        "to turn it on (each student then sees only their own runs)" >&2
fi

exec "$PYTHON" -m streamlit run streamlit_app.py \
    --server.port "${PORT:-8501}" \
    --server.address "${ADDRESS:-0.0.0.0}" \
    --server.headless true \
    --server.maxUploadSize "${STRIDE_MAX_UPLOAD_MB:-10}" \
    "$@"
