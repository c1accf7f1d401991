"""Docker HEALTHCHECK for Stride: exit 0 when Streamlit's /_stcore/health answers 200 "ok", else say why and exit 1.

Standard library only (python:3.11-slim has no curl). The port comes from PORT (default 8501), as in
docker/entrypoint.sh; an optional first argument replaces the base URL, e.g. ``http://127.0.0.1:9000``.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 3


def main(argv: list[str]) -> int:
    base = argv[1] if len(argv) > 1 else f"http://127.0.0.1:{os.environ.get('PORT') or 8501}"
    url = base.rstrip("/") + "/_stcore/health"
    # no proxies: an http_proxy variable in the container must not route a loopback request elsewhere
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=TIMEOUT_S) as reply:
            status, body = reply.status, reply.read(64).decode(errors="replace").strip()
    except urllib.error.HTTPError as exc:  # answered, but not 2xx
        status, body = exc.code, exc.read(64).decode(errors="replace").strip()
    except OSError as exc:  # refused, timed out, bad address
        print(f"unhealthy: {url}: {exc}")
        return 1
    if status == 200 and body == "ok":
        return 0
    print(f"unhealthy: {url} answered {status} {body!r}")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
