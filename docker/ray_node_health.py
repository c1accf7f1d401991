"""Health check of a Ray node container (compose.cluster.yaml): exit 0 when this node's raylet runs and the head answers.

Standard library only. The head's GCS address comes from RAY_ADDRESS (default 127.0.0.1:6379, the head
checking itself); ``ray start --block`` keeps the container alive only as long as its node does, so a
running raylet plus an open GCS port is a node that can take tasks.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path


def raylet_running() -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if b"/raylet" in cmdline.read_bytes().split(b"\0")[0]:
                return True
        except OSError:  # the process ended while we looked
            continue
    return False


def main() -> int:
    host, _, port = (os.environ.get("RAY_ADDRESS") or "127.0.0.1:6379").removeprefix("ray://").rpartition(":")
    if not raylet_running():
        print("unhealthy: no raylet process on this node")
        return 1
    try:
        with socket.create_connection((host, int(port)), timeout=3):
            pass
    except OSError as exc:
        print(f"unhealthy: the head's GCS at {host}:{port}: {exc}")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
