#!/usr/bin/env bash
# Write requirements.lock: every package the image installs from PyPI, pinned with its hashes, resolved
# by uv for the image's platform (Linux x86_64, Python 3.11), whatever machine runs this. torch and
# torchvision come from PyTorch's CPU index instead (the Dockerfile installs them first, without their
# dependencies): they, and the CUDA packages PyPI's torch would bring, are left out of the lock.
# Usage: make lock    (UV: the uv binary; default: the one in the virtual environment)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
UV=${UV:-.venv/bin/uv}
TARGET=(--python-version 3.11 --python-platform x86_64-manylinux_2_28)

# first pass, without hashes: which packages does PyPI's torch pull in for CUDA?
resolved=$("$UV" pip compile requirements.txt "${TARGET[@]}" --no-header --no-annotate --quiet)
left_out=()
while read -r name; do
    left_out+=(--no-emit-package "$name")
done < <(sed -n 's/^\(torch\|torchvision\|triton\|nvidia-[a-z0-9-]*\|cuda-[a-z0-9-]*\)==.*/\1/p' <<<"$resolved")

"$UV" pip compile requirements.txt "${TARGET[@]}" --generate-hashes "${left_out[@]}" --quiet -o requirements.lock
echo "requirements.lock: $(grep -c '^[a-z]' requirements.lock) packages with hashes;" \
    "$((${#left_out[@]} / 2)) left out (torch, torchvision and the CUDA packages of PyPI's torch)"
