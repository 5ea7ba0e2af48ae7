#!/usr/bin/env bash
# Set up everything on a fresh machine: system packages, the virtual environment, the course package.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)                      # the grading sandbox
[ -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ] || need_apt+=(dataset-fashion-mnist)  # offline Fashion-MNIST
[ -x /usr/bin/chromium ] || need_apt+=(chromium)                          # the browser tests (Playwright drives it)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)  # the PostgreSQL gradebook tests
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (e.g. sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[tensorflow,dev,ray,postgresql]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The GPU kit's CPU rehearsal (tests/test_gpu_kit.py) runs offline from .cache/gpu-kit: JAX for the CPU
# and the GPU machine's other packages (bench/gpu/machine.txt), then the carry folder's wheels (for this
# Python) and Debian packages (bench/gpu/build_carry.py). Fetched once, again when those lists change.
kit_stamp=.cache/gpu-kit/.fetched-$(cat bench/gpu/machine.txt bench/gpu/carry.txt | sha256sum | cut -c1-16)
if [ ! -f "$kit_stamp" ]; then
  echo "setup: caching the GPU kit's packages for its rehearsal (.cache/gpu-kit)"
  if .venv/bin/python -m pip download -q -d .cache/gpu-kit/machine -r bench/gpu/machine.txt &&
     .venv/bin/python bench/gpu/build_carry.py --fetch-only \
       --python-version "$(.venv/bin/python -c 'import platform; print(platform.python_version())')"; then
    rm -f .cache/gpu-kit/.fetched-*
    touch "$kit_stamp"
  else  # only the kit's rehearsal needs them: the rest of the setup stands
    echo "setup: could not cache the GPU kit's packages; tests/test_gpu_kit.py will say so" >&2
  fi
fi
# nbgrader's exchange for a one-machine course (course_id, a writable exchange folder), unless one is configured.
[ -f .venv/etc/jupyter/nbgrader_config.py ] || .venv/bin/python -m autograder.exchange
