"""The GPU kit (bench/gpu/), rehearsed on the CPU: the one command a GPU session runs, in its short mode.

A stand-in for the bare GPU machine is built from the cache that scripts/setup.sh fills: a fresh
environment with JAX for the CPU and the machine's other packages (bench/gpu/machine.txt), and no
TensorFlow and no Keras. The carry folder is built for this Python, offline. Then
``bash bench/gpu/run.sh`` installs from it with no index, as on the machine, and measures. Its
JSON must show that every step ran: the sandbox on the kit's bubblewrap, a whole 06 submission
graded by "GPU 0" with the gpu profile and no point lost, the committed gpu thresholds passed
by the reference, and a zoo sample graded as expected. The whole module takes a few minutes.
"""
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KIT = ROOT / "bench" / "gpu"
CACHE = ROOT / ".cache" / "gpu-kit"
BUDGET_S = 900  # the short run's own budget; on 2 quiet cores it needs about a third of it

pytestmark = pytest.mark.xdist_group("gpu_kit")


def _run(command, **kwargs):
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, command))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    """Build the carry folder and the stand-in machine, run the kit in short mode; its outputs and wall time."""
    assert (CACHE / "machine").is_dir(), "the GPU kit's cache is missing: run scripts/setup.sh"
    tmp = tmp_path_factory.mktemp("gpu-kit")
    thresholds = ROOT / "autograder" / "hidden" / "thresholds.json"
    before = hashlib.sha256(thresholds.read_bytes()).hexdigest()
    start = time.perf_counter()
    built = _run([sys.executable, str(KIT / "build_carry.py"), "--python-version", platform.python_version(),
                  "--out", str(tmp / "carry"), "--offline"])
    machine = tmp / "machine"
    _run([sys.executable, "-m", "venv", "--without-pip", str(machine)])
    _run([sys.executable, "-m", "pip", "--python", str(machine / "bin" / "python"), "install", "-q", "--no-index",
          "--no-compile", "--find-links", str(CACHE / "machine"), "-r", str(KIT / "machine.txt")])
    _run([str(machine / "bin" / "python"), "-m", "compileall", "-q", "-j", "0", str(machine / "lib")])
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8",
           "OUT": str(tmp / "out"), "GPU_KIT_CARRY": str(tmp / "carry"), "GPU_KIT_HOME": str(tmp / "kit"),
           "GPU_KIT_PYTHON": str(machine / "bin" / "python"), "GPU_KIT_SHORT": "1", "GPU_KIT_BUDGET_S": str(BUDGET_S)}
    kit = subprocess.run(["bash", str(KIT / "run.sh")], env=env, capture_output=True, text=True, timeout=BUDGET_S + 120)
    seconds = time.perf_counter() - start
    assert (tmp / "out" / "gpu-kit.json").exists(), f"run.sh wrote no JSON:\n{kit.stdout[-5000:]}{kit.stderr[-2000:]}"
    report = json.loads((tmp / "out" / "gpu-kit.json").read_text())
    return {"built": built.stdout, "machine": machine, "kit": kit, "report": report, "tmp": tmp, "seconds": seconds,
            "thresholds_unchanged": hashlib.sha256(thresholds.read_bytes()).hexdigest() == before}


def test_the_carry_folder_holds_one_wheel_per_pin_bubblewrap_and_the_data(rehearsal):
    manifest = json.loads((rehearsal["tmp"] / "carry" / "MANIFEST.json").read_text())
    paths = [f["path"] for f in manifest["files"]]
    pins = [line.split("==")[0] for line in (KIT / "carry.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert len([p for p in paths if p.startswith("wheels/")]) == len(pins)
    assert {p.split("/")[1].split("_")[0] for p in paths if p.startswith("debs/")} == {
        "bubblewrap", "libcap2", "libselinux1", "libpcre2-8-0"}
    assert len([p for p in paths if p.startswith("data/fashion-mnist/")]) == 4
    assert manifest["mib"] + manifest["tracked_mib"] < 64 and f"{manifest['mib']} MiB" in rehearsal["built"]


def test_the_stand_in_machine_has_jax_and_neither_tensorflow_nor_keras(rehearsal):
    python = rehearsal["machine"] / "bin" / "python"
    _run([str(python), "-c", "import importlib.util as u, jax; "
                             "assert not u.find_spec('tensorflow') and not u.find_spec('keras')"])


def test_the_kit_installs_offline_and_every_step_runs(rehearsal):
    kit, report = rehearsal["kit"], rehearsal["report"]
    assert kit.returncode == 0, kit.stdout[-5000:]
    steps = report["steps"]
    assert {name: steps[name]["status"] for name in ("preflight", "keras-jax-gpu", "calibrate", "zoo")} == {
        "preflight": "ok", "keras-jax-gpu": "ok", "calibrate": "ok", "zoo": "ok"}, steps
    assert steps["keras-torch-gpu"]["status"] == "skipped"
    assert (rehearsal["tmp"] / "out" / "gpu-kit.log").read_text().count("== ") >= 5
    print(f"\nGPU kit rehearsal: {rehearsal['seconds']:.0f} s in all; steps: "
          + ", ".join(f"{name} {s.get('seconds', '-')} s" for name, s in steps.items()))


def test_the_sandbox_runs_keras_on_the_kits_own_bubblewrap_and_packages(rehearsal):
    preflight = rehearsal["report"]["preflight"]
    packages = preflight["machine"]["packages"]
    assert packages["tensorflow"] is None and packages["keras"] == "3.15.1" and packages["jax"]
    assert preflight["bwrap"]["path"] == str(rehearsal["tmp"] / "kit" / "venv" / "bin" / "bwrap")
    assert preflight["bwrap"]["usable"]
    smoke = preflight["sandbox"]["jax"]
    assert smoke["ok"] and smoke["output"].startswith("jax uid"), smoke
    assert rehearsal["report"]["figures"]["sandbox"] == {"jax": "bwrap"}  # graded in the sandbox, no fallback


def test_the_figures_are_measured_and_the_reference_loses_nothing(rehearsal):
    report = rehearsal["report"]
    figures = report["figures"]
    assert figures["seconds_per_submission_gpu_profile_jax"] > 0
    assert figures["submissions_per_minute_by_workers_per_gpu"]["1"] > 0
    assert figures["reference_lost_points"] == []
    assert report["kit"]["gpus_pretended"] == (report["preflight"]["machine"]["gpus_found"] == [])
    assert figures["gpu_memory_how"]  # how it was measured, or why not (no nvidia-smi here)


def test_the_committed_gpu_thresholds_hold_and_the_zoo_sample_grades_as_expected(rehearsal):
    figures, calibration = rehearsal["report"]["figures"], rehearsal["report"]["calibration"]
    assert calibration["finished"] == calibration["items"] == 2
    assert figures["committed_gpu_thresholds_pass"] == {"passed": 2, "of": 2}
    assert all(r["calibrated_on"].startswith("CPU") and r["profile"] == "gpu" for r in calibration["records"])
    assert rehearsal["thresholds_unchanged"], "the rehearsal's calibration must not touch the committed thresholds"
    assert figures["zoo_sample_as_expected"] == {"ok": 2, "of": 2}
