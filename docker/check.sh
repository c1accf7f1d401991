#!/usr/bin/env bash
# Check the Docker image's steps without a Docker engine (none runs on the build machine):
#  1. copy exactly the Dockerfile's COPY sources (minus .dockerignore) into a fresh folder laid out like
#     the image, so a file the Dockerfile forgets breaks this check;
#  2. start docker/entrypoint.sh from that copy with the image's ENV, as a non-root user when run as
#     root, the run store on a temporary "volume" owned by that user;
#  3. check the health check, the page, the app script, the upload cap, the user, and that every page
#     renders, the bundled models load and a tiny training run lands in the run store;
#  and what a class server's operation needs (issue 16): compose.yaml's shape and its variables against
#  docker/env.example, .env kept out of the image, the password read from a file (a $ in it), a home
#  folder the app cannot write (the read-only root), Streamlit refusing websockets for other host names,
#  and torch threads sized by a simulated cgroup CPU quota.
# What it cannot check without an engine: the image build itself (the base digest, the CPU wheels, the
# hashed lock), Compose's own parsing, tini, log rotation, the tmpfs, oom_score_adj and the limits.
# Usage: bash docker/check.sh    (CHECK_PYTHON: an interpreter with requirements.txt installed)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=${CHECK_PYTHON:-$REPO/.venv/bin/python}
UPLOAD_MB=7  # not the default 10, so the check sees the value travel from the environment to Streamlit
START_TIMEOUT_S=90

WORK=$(mktemp -d "${TMPDIR:-/tmp}/stride-docker-check.XXXXXX")
chmod 755 "$WORK"  # the app user must read the copy (mktemp makes it private)
ROOT=$WORK/root     # the image's file system: the app lands in $ROOT/app
VOL=$WORK/data      # the volume mounted on /data
SERVER_PGID=""

cleanup() {
    if [ -n "$SERVER_PGID" ] && kill -0 -- "-$SERVER_PGID" 2>/dev/null; then
        kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 -- "-$SERVER_PGID" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
    echo "docker-check: FAIL: $*" >&2
    if [ -s "$WORK/server.log" ]; then
        echo "--- server log (last 40 lines) ---" >&2
        tail -n 40 "$WORK/server.log" >&2
    fi
    exit 1
}
note() { echo "docker-check: $*"; }

[ -x "$PY" ] || fail "no interpreter at $PY (run 'make docker-check', or set CHECK_PYTHON)"

# --- 1. the image's files: COPY sources minus .dockerignore; ENV and USER from the Dockerfile --------
cat >"$WORK/stage.py" <<'PYEOF'
"""Stage a Dockerfile's COPYs into ROOT as `docker build` would; write its ENV to ROOT/../image.env."""

import re
import shlex
import shutil
import sys
from pathlib import Path, PurePosixPath

repo, root = Path(sys.argv[1]), Path(sys.argv[2])


def instructions(text):
    """Yield (KEYWORD, arguments): comment lines dropped, continuation lines joined."""
    kept = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    for line in re.sub(r"\\\n", " ", "\n".join(kept)).splitlines():
        if line.strip():
            key, _, rest = line.strip().partition(" ")
            yield key.upper(), rest.strip()


def ignore_rules(path):
    """Return .dockerignore as (regex, negated) rules: `*` stays within a folder, `**` spans folders."""
    rules = []
    lines = path.read_text().splitlines() if path.exists() else []
    for line in (x.strip() for x in lines):
        if not line or line.startswith("#"):
            continue
        negated, pattern = line.startswith("!"), line.lstrip("!").strip().strip("/")
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", pattern):
            regex += {"**/": "(.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        rules.append((re.compile(regex + "(/.*)?"), negated))  # a matched folder takes its contents along
    return rules


def ignored(rel, rules):
    result = False
    for regex, negated in rules:  # the last matching rule wins, as in Docker
        if regex.fullmatch(rel):
            result = not negated
    return result


rules = ignore_rules(repo / ".dockerignore")
workdir, env, user = PurePosixPath("/"), {}, "root"
for key, rest in instructions((repo / "Dockerfile").read_text()):
    if key == "WORKDIR":
        workdir = workdir / rest
    elif key == "USER":
        user = rest.split(":")[0]
    elif key == "ENV":
        env.update(item.split("=", 1) for item in shlex.split(rest))
    elif key == "COPY":
        if rest.startswith("["):
            sys.exit("check.sh reads the shell form of COPY only")
        args = shlex.split(rest)
        if any(a.startswith("--from") for a in args):
            continue  # from another stage, not from the build context
        *sources, dest = [a for a in args if not a.startswith("--")]
        target = root / (workdir / dest).relative_to("/")
        for source in sources:
            rel = PurePosixPath(source).as_posix().strip("/")
            if not (repo / rel).exists() or ignored(rel, rules):
                sys.exit(f"COPY {source}: not in the build context (missing, or excluded by .dockerignore)")
            if (repo / rel).is_dir():  # a folder's contents go into dest
                files = [p for p in sorted((repo / rel).rglob("*")) if p.is_file()]
                pairs = [(p, target / p.relative_to(repo / rel)) for p in files]
            else:
                into_folder = dest.endswith("/") or len(sources) > 1
                pairs = [(repo / rel, target / (repo / rel).name if into_folder else target)]
            for src, dst in pairs:
                if not ignored(src.relative_to(repo).as_posix(), rules):
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dst)  # keeps the mode: the entry point must stay executable
(root.parent / "image.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
print(f"{user} {workdir}")
PYEOF
read -r APP_USER WORKDIR < <("$PY" "$WORK/stage.py" "$REPO" "$ROOT" || echo "ERROR")
[ "$APP_USER" != "ERROR" ] && [ -f "$WORK/image.env" ] || fail "staging the Dockerfile's COPYs failed (see above)"
APP=$ROOT${WORKDIR}
chmod -R go+rX,go-w "$ROOT"
note "staged $(find "$ROOT" -type f | wc -l) files into $APP (Dockerfile COPYs minus .dockerignore)"
[ -x "$APP/docker/entrypoint.sh" ] || fail "docker/entrypoint.sh is missing from the copy or not executable"
# Streamlit runs without its config too (upload cap, no file watcher, error details hidden): insist on it
[ -f "$APP/.streamlit/config.toml" ] || fail ".streamlit/config.toml is missing from the copy"

# --- 1b. compose.yaml and the .env template, read as Compose would; .env never in the image ----------
[ -z "$(find "$ROOT" -name .env -o -name 'stride-runs-*.tar.gz')" ] || fail "a .env file or a backup was copied into the image"
compose_summary=$("$PY" - "$REPO" <<'PYEOF'
import re
import sys
from pathlib import Path

import yaml

repo = Path(sys.argv[1])
text = (repo / "compose.yaml").read_text()
compose = yaml.safe_load(text)
stride, proxy = compose["services"]["stride"], compose["services"]["proxy"]
problems = []
if compose.get("name") != "stride":
    problems.append("no fixed project name")
for key, want in (("hostname", "stride"), ("init", True), ("read_only", True)):
    if stride.get(key) != want:
        problems.append(f"stride: {key} is {stride.get(key)!r}, expected {want!r}")
if not all(str(p).startswith("127.0.0.1:") for p in stride.get("ports", [])):
    problems.append("stride publishes a port beyond the loopback")
for name, service in (("stride", stride), ("proxy", proxy)):
    if "max-size" not in service.get("logging", {}).get("options", {}):
        problems.append(f"{name}: no log rotation")
required = set(re.findall(r"\$\{(\w+):\?", text))
env = {}
for line in (repo / "docker" / "env.example").read_text().splitlines():
    if line.strip() and not line.startswith("#"):
        key, _, value = line.partition("=")
        if "$" in value and not (value.startswith("'") and value.endswith("'")):
            problems.append(f"env.example: {key} has a $ outside single quotes")
        env[key] = value
if required - set(env):
    problems.append(f"env.example lacks {sorted(required - set(env))}")
if problems:
    sys.exit("; ".join(problems))
print(f"project {compose['name']}, {len(compose['services'])} services, required {', '.join(sorted(required))} in env.example")
PYEOF
) || fail "compose.yaml or docker/env.example: $compose_summary"
note "compose: $compose_summary"

# --- 2. who runs the server, with which interpreter ---------------------------------------------------
RUN_AS=()
USER_PY=$PY
RUN_UID=$(id -u)
can_run() { (cd / && "${RUN_AS[@]}" "$1" -c 'import streamlit, torch') >/dev/null 2>&1; }
if [ "$(id -u)" -eq 0 ]; then
    if ! id -u "$APP_USER" >/dev/null 2>&1; then
        uid_opt=()
        getent passwd 10001 >/dev/null || uid_opt=(--uid 10001)  # the Dockerfile's uid when it is free
        useradd "${uid_opt[@]}" --create-home --shell /usr/sbin/nologin "$APP_USER"
        note "created user $APP_USER (uid $(id -u "$APP_USER"))"
    fi
    RUN_AS=(runuser -u "$APP_USER" --)
    if ! can_run "$PY"; then
        # The venv's interpreter is a link into a folder the user cannot enter (e.g. pyenv under
        # /root). Bridge: a venv of a system interpreter of the same version that adds the repo
        # venv's site-packages, which the user can read; the image has its packages in site-packages too.
        ver=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
        for base in "/usr/local/bin/python$ver" "/usr/bin/python$ver"; do
            if [ -x "$base" ] && "$base" -m venv --without-pip "$WORK/venv" 2>/dev/null; then
                echo "import site; site.addsitedir('$site')" >"$WORK/venv/lib/python$ver/site-packages/stride-check.pth"
                chmod -R go+rX "$WORK/venv"
                if can_run "$WORK/venv/bin/python"; then
                    USER_PY=$WORK/venv/bin/python
                    note "$APP_USER cannot run $PY; using $base with the venv's packages instead"
                    break
                fi
            fi
            rm -rf "$WORK/venv"
        done
    fi
    if can_run "$USER_PY"; then
        RUN_UID=$(id -u "$APP_USER")
    else
        RUN_AS=()
        USER_PY=$PY
        note "NOTE: $APP_USER cannot run $PY (permissions); running as root instead: non-root NOT checked"
    fi
else
    note "NOTE: not root, so no user switch: running as $(id -un) (uid $RUN_UID)"
fi

# --- 3. the volume and the environment (the image's ENV, the run store on the volume) ---------------
mkdir -p "$VOL/runs" "$VOL/datasets" "$WORK/tmp"
[ ${#RUN_AS[@]} -eq 0 ] || chown -R "$APP_USER:" "$VOL" "$WORK/tmp"
PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The image's root file system is read-only (compose.yaml): the app's home folder is not writable
# either; only TMPDIR (compose's tmpfs) and the volume are.
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR"
chmod 555 "$HOME_DIR"
# The teacher password from a file, as a bind-mounted secret would give it: owned by the app user, private.
mkdir -p "$WORK/secret"
printf '%s\n' 'check-pa$$word-teacher' >"$WORK/secret/teacher_password"
chmod 600 "$WORK/secret/teacher_password"
[ ${#RUN_AS[@]} -eq 0 ] || chown -R "$APP_USER:" "$WORK/secret"
SITE=check.stride.example
# TMPDIR: torch's caches (e.g. /tmp/torchinductor_<user>) go where cleanup removes them
ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME="$HOME_DIR" LANG=C.UTF-8 TMPDIR="$WORK/tmp")
mapfile -t IMAGE_ENV <"$WORK/image.env"
ENV+=("${IMAGE_ENV[@]}")
ENV+=(STRIDE_RUNS_DIR="$VOL/runs" STRIDE_DATA_DIR="$VOL/datasets" PORT="$PORT" ADDRESS=127.0.0.1
    STRIDE_TEACHER_PASSWORD_FILE="$WORK/secret/teacher_password" STRIDE_SITE="$SITE"
    STRIDE_MAX_UPLOAD_MB="$UPLOAD_MB" PYTHON="$USER_PY")
as_app() { "${RUN_AS[@]}" env -i "${ENV[@]}" "$@"; }  # a clean environment, like a container's

# --- 4. start the entry point from the copy, in its own process group (killed on exit) -------------
# scriptHealthCheckEnabled: /_stcore/script-health-check runs streamlit_app.py, so a module the
# Dockerfile forgot fails the check (the plain health check and "/" pass without running it)
cd "$WORK"
setsid "${RUN_AS[@]}" env -i "${ENV[@]}" "$APP/docker/entrypoint.sh" --server.scriptHealthCheckEnabled true \
    >"$WORK/server.log" 2>&1 &
SERVER_PGID=$!
note "started $APP/docker/entrypoint.sh on port $PORT (process group $SERVER_PGID)"

# --- 5. the image's HEALTHCHECK passes ------------------------------------------------------------
start=$SECONDS
until as_app "$USER_PY" "$APP/docker/healthcheck.py" >"$WORK/health.out" 2>&1; do
    kill -0 -- "-$SERVER_PGID" 2>/dev/null || fail "the server exited before it was healthy"
    [ $((SECONDS - start)) -lt $START_TIMEOUT_S ] || fail "not healthy after ${START_TIMEOUT_S}s: $(cat "$WORK/health.out")"
    sleep 0.5
done
HEALTHY_S=$((SECONDS - start))

http_get() {  # print the body of GET $1; a non-200 answer fails
    "$PY" - "http://127.0.0.1:$PORT$1" <<'PYEOF'
import sys
import urllib.error
import urllib.request

try:
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(sys.argv[1], timeout=90) as reply:
        sys.stdout.write(reply.read().decode())
except urllib.error.HTTPError as exc:
    sys.exit(f"{sys.argv[1]}: {exc.code} {exc.read()[:300].decode(errors='replace')}")
PYEOF
}

# --- 6. the page is Streamlit's, and the app script runs from the copy -----------------------------
page=$(http_get /) || fail "GET / failed"
grep -q '<title>Streamlit</title>' <<<"$page" && grep -q 'id="root"' <<<"$page" || fail "GET / is not Streamlit's page"
script=$(http_get /_stcore/script-health-check) || fail "streamlit_app.py does not run from the copy: $script"

# --- 7. the upload cap reached Streamlit -----------------------------------------------------------
APP_PID=$(ps -e -o pid=,pgid=,args= | awk -v g="$SERVER_PGID" '$2 == g && /-m streamlit run/ {print $1; exit}')
[ -n "$APP_PID" ] || fail "no 'streamlit run' process in group $SERVER_PGID"
host_config=$(http_get /_stcore/host-config) || fail "GET /_stcore/host-config failed"
if grep -q maxUploadSize <<<"$host_config"; then
    served=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["maxUploadSize"])' "$host_config")
    [ "$served" = "$UPLOAD_MB" ] || fail "host-config serves maxUploadSize $served, expected $UPLOAD_MB"
    UPLOAD_HOW="served by /_stcore/host-config"
else
    # Streamlit 1.67's host-config does not include it: check the server's own command line instead
    tr '\0' ' ' <"/proc/$APP_PID/cmdline" | grep -q -- "--server.maxUploadSize $UPLOAD_MB " ||
        fail "the server was not started with --server.maxUploadSize $UPLOAD_MB"
    UPLOAD_HOW="on the server's command line (host-config does not expose it)"
fi
! grep -q "class mode is off" "$WORK/server.log" || fail "class-mode warning printed although a password file is set"
password_read=$(cd "$APP" && as_app "$USER_PY" -c 'from core.settings import Settings; print(Settings.from_env().teacher_password)')
[ "$password_read" = 'check-pa$$word-teacher' ] || fail "the password file was read as '$password_read'"

# --- 7b. websockets only for the site's name (server.allowedHosts), and localhost ---------------------
ws_status() {  # print the HTTP status of a websocket upgrade to /_stcore/stream sent with Host: $1
    "$PY" - "$PORT" "$1" <<'PYEOF'
import base64
import http.client
import os
import sys

connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=30)
key = base64.b64encode(os.urandom(16)).decode()
connection.request("GET", "/_stcore/stream", headers={
    "Host": sys.argv[2], "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
    "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "streamlit"})  # fmt: skip
print(connection.getresponse().status)
PYEOF
}
[ "$(ws_status "$SITE")" = 101 ] || fail "a websocket for $SITE was refused"
[ "$(ws_status localhost)" = 101 ] || fail "a websocket for localhost was refused"
evil=$(ws_status evil.example)
[ "$evil" != 101 ] || fail "a websocket for another host name (evil.example) was accepted"
HOSTS="websocket for $SITE and localhost: 101; for evil.example: $evil"

# --- 8. the user: the app runs as it, and it can write the run store ------------------------------
app_uid=$(ps -o uid= -p "$APP_PID" | tr -d ' ')
[ "$app_uid" = "$RUN_UID" ] || fail "the app runs as uid $app_uid, expected $RUN_UID"
as_app test -w "$VOL/runs" || fail "the run store $VOL/runs is not writable by uid $RUN_UID"
CODE="code not checked (no user switch)"
if [ ${#RUN_AS[@]} -gt 0 ]; then  # in the image the code is root's: the app user must not change it
    as_app test ! -w "$APP" || fail "the app user can write to the code in $APP"
    CODE="code read-only"
fi

# --- 9. every page renders from the copy; bundled models load; a tiny run trains into the store ----
cat >"$WORK/smoke.py" <<'PYEOF'
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from core.model_files import list_bundled, load_bundled

at = AppTest.from_file("streamlit_app.py", default_timeout=90).run()
assert not at.exception, "streamlit_app.py raised (traceback above)"
pages = sorted(p.as_posix() for p in Path("pages").glob("*.py"))  # every page, the class mode's included
for path in pages:
    at.switch_page(path).run()
    assert not at.exception, f"{path} raised (traceback above)"
st.cache_resource.clear()  # the training page's job queue: stop its worker
models = list_bundled()
assert models, "no bundled models: is models/ copied?"
for name in models:
    load_bundled(name)
config = {"dataset": "digits", "model": "lenet", "epochs": 1, "batch_size": 32, "max_samples": 200, "threads": 1}
with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    json.dump(config, f)
subprocess.run([sys.executable, "-m", "core.train", "--config", f.name], check=True, capture_output=True)
os.unlink(f.name)
runs = [p.name for p in Path(os.environ["STRIDE_RUNS_DIR"]).iterdir() if not p.name.startswith(".")]
assert runs, "the training run left nothing in the run store"
print(f"{len(pages)} pages; models {', '.join(models)}; run {runs[0]}")
PYEOF
smoke=$(cd "$APP" && as_app "$USER_PY" - <"$WORK/smoke.py" 2>"$WORK/smoke.log") || {
    tail -n 30 "$WORK/smoke.log" >&2
    fail "pages, bundled models or a training run failed from the copy"
}
run_owner=$(stat -c %u "$VOL/runs/${smoke##* }")
[ "$run_owner" = "$RUN_UID" ] || fail "the run's folder belongs to uid $run_owner, expected $RUN_UID"

# --- 10. torch threads under a simulated cgroup CPU quota (docker's --cpus 2 on a bigger host) -------
mkdir -p "$WORK/cgroup"
echo "cpuset cpu io memory pids" >"$WORK/cgroup/cgroup.controllers"
echo "200000 100000" >"$WORK/cgroup/cpu.max"
echo "0::/" >"$WORK/proc_self_cgroup"
sizing=$(cd "$APP" && as_app "$USER_PY" -c '
import os, sys
from pathlib import Path
from core.cpus import cpu_quota, usable_cores
root, proc = Path(sys.argv[1]), Path(sys.argv[2])
cores = usable_cores(root, proc)
expected = min(2, len(os.sched_getaffinity(0)))
assert cpu_quota(root, proc) == 2.0 and cores == expected, (cpu_quota(root, proc), cores, expected)
print(f"quota 2.0 cores -> {cores} core(s) for {len(os.sched_getaffinity(0))} in the CPU set")
' "$WORK/cgroup" "$WORK/proc_self_cgroup") || fail "thread sizing under a simulated CPU quota: $sizing"

# --- summary -------------------------------------------------------------------------------------
echo
echo "docker-check: OK"
echo "  image files    $APP ($(find "$APP" -type f | wc -l) files from the Dockerfile's COPYs)"
echo "  server         $APP/docker/entrypoint.sh, port $PORT, healthy after ${HEALTHY_S}s (docker/healthcheck.py)"
echo "  page           GET / is Streamlit's page; streamlit_app.py runs (script-health-check: $script)"
echo "  upload cap     --server.maxUploadSize $UPLOAD_MB $UPLOAD_HOW"
echo "  user           uid $RUN_UID ($(id -un "$RUN_UID" 2>/dev/null || echo "?")); run store writable, $CODE"
echo "  smoke          $smoke (run folder owned by uid $run_owner)"
echo "  compose        $compose_summary"
echo "  secrets        password read from STRIDE_TEACHER_PASSWORD_FILE (with a \$); no .env in the image"
echo "  read-only home the app ran with HOME=$HOME_DIR not writable (mode 555)"
echo "  allowed hosts  $HOSTS"
echo "  cpu quota      $sizing"
echo "  not checked    (no engine) image build, base digest, CPU wheels, hashed lock, tini, log rotation, tmpfs, oom_score_adj, limits"
