"""The GPU kit's measurements, run by ``run.sh`` after it installs the carry folder.

Steps, most important first, each a process of its own with a hard time limit, so a slow step
cannot eat the rest. A step that runs out of time is killed with everything it started, and
what it had written is kept:

1. ``preflight``: the machine, and the grader's sandbox on each backend (``preflight.py``).
2. ``keras-jax-gpu``: ``bench/keras_submission.py --profiles gpu --workers-per-gpu 1 2 4`` on JAX:
   seconds per 06-10 submission, submissions per minute with 1, 2 and 4 graders per GPU, and
   (sampled by ``gpu_memory.py``) GPU memory per grader.
3. ``calibrate``: ``autograder calibrate --profile gpu --seeds S --check-reliability N``, one process
   per training item, all at once: how the committed ``gpu`` thresholds (made on a CPU) fare on the
   GPU, and the records of a calibration made there (written beside the results, not over the
   committed thresholds).
4. ``zoo``: a sample of the 06-10 zoos graded with the ``gpu`` profile (``zoo_sample.py``).
5. ``keras-jax-cpu``: the same benchmark's ``cpu`` profile, for the ratio (if time is left).
6. ``keras-torch-gpu``: the ``gpu`` profile on torch, 1 grader per GPU (if torch is there and time is left).

The grading steps use the engine's sandbox (bubblewrap) unless the preflight found it failing on
that backend. Then they grade unisolated and say why: the code graded is the course's own, and
the figures are worth more than the lease. Everything goes to ``<out>/gpu-kit.json``, rewritten
after every step, and the log that ``run.sh`` keeps. ``--short`` cuts the assignments and samples to a rehearsal's. It takes
06_keras_basics only, whose ``gpu`` budgets are small, with the same profiles and code paths.
Without a GPU it grades "on GPU 0" regardless, so that the workers-per-GPU path runs on the CPU.
"""
import argparse
import collections
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.gpu.gpu_memory import Sampler  # noqa: E402

KERAS_ASSIGNMENTS = ["06_keras_basics", "07_fashion_mnist", "08_regularization", "09_cnn", "10_rnn"]
# Seconds are caps on a step's wall time; steps run in this order, each with what is left of the budget
# up to its cap. The full plan fits 9 minutes after the installation (4 graders per GPU before 2: if
# time runs out, the two ends are measured); the short one proves the paths on 2 CPU cores (its caps
# only stop a hang).
FULL = {"assignments": KERAS_ASSIGNMENTS, "workers_per_gpu": [1, 4, 2], "students": 4,
        "zoo_workers_per_gpu": 4, "zoo_max_cases": 4, "calibrate_items": None, "seeds": 2, "reliability": 2,
        "caps": {"preflight": 45, "keras-jax-gpu": 230, "calibrate": 100, "zoo": 75,
                 "keras-jax-cpu": 60, "keras-torch-gpu": 90}}
SHORT = {"assignments": ["06_keras_basics"], "workers_per_gpu": [1], "students": 1,
         "zoo_workers_per_gpu": 2, "zoo_max_cases": 2,
         "calibrate_items": [("06_keras_basics", "logistic"), ("06_keras_basics", "xor")], "seeds": 2, "reliability": 1,
         "caps": {"preflight": 240, "keras-jax-gpu": 400, "calibrate": 300, "zoo": 400,
                  "keras-jax-cpu": 0, "keras-torch-gpu": 0}}
OPTIONAL = ("keras-jax-cpu", "keras-torch-gpu")  # run only with their whole cap still left


class Run:
    """The measurement run: its deadline, its output files, and the report it keeps writing."""

    def __init__(self, out, deadline, plan, short):
        self.out, self.deadline, self.plan = Path(out), deadline, plan
        self.work = Path(tempfile.mkdtemp(prefix="gpu-kit-"))
        self.report = {"kit": {"mode": "short" if short else "full", "started": time.time(), "budget_ends": deadline},
                       "steps": {}}
        self.sampler = Sampler().start()
        self.save()

    def save(self):
        """Rewrite gpu-kit.json with the figures known so far (the run may be stopped at any moment)."""
        self.report["figures"] = figures(self.report)
        path = self.out / "gpu-kit.json"
        path.with_suffix(".partial").write_text(json.dumps(self.report, indent=1) + "\n")
        path.with_suffix(".partial").replace(path)

    def left(self):
        return self.deadline - time.time()

    def step(self, name, commands, env=None):
        """Run ``commands`` (all at once) as step ``name`` within its cap and the time left."""
        cap = self.plan["caps"][name]
        limit = min(cap, self.left())
        if cap <= 0 or limit < (cap if name in OPTIONAL else 10):
            self.report["steps"][name] = {"status": "skipped", "why": "not in this mode" if cap <= 0 else
                                          f"{self.left():.0f} s left of the budget"}
            self.save()
            return None
        print(f"== {name} (at most {limit:.0f} s)", flush=True)
        started = time.time()
        with ThreadPoolExecutor(len(commands)) as pool:
            results = list(pool.map(lambda c: _bounded(c, started + limit, env), commands))
        status = "ok" if all(rc == 0 for rc, _ in results) else \
            "timed out" if any(rc is None for rc, _ in results) else "failed"
        ended = time.time()
        self.report["steps"][name] = {"status": status, "seconds": round(ended - started, 1), "limit_s": round(limit),
                                      "started": started, "ended": ended, "exit_codes": [rc for rc, _ in results],
                                      "gpu_memory": self.sampler.summary(started, ended)}
        if status != "ok":
            self.report["steps"][name]["output_tail"] = [out[-1500:] for rc, out in results if rc != 0]
        self.save()
        return results


def _bounded(command, deadline, env=None):
    """``(exit code or None if killed at the deadline, output)``; the output also goes to our stdout (the log)."""
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    timer = _Killer(process, deadline)
    lines = collections.deque(maxlen=200)
    for line in process.stdout:
        lines.append(line)
        print(line, end="", flush=True)
    process.wait()
    timer.cancel()
    return (None if timer.fired else process.returncode), "".join(lines)


class _Killer:
    """Kill a process group (the step and every grader it started; sandboxes die with their grader) at a deadline."""

    def __init__(self, process, deadline):
        self.fired = False
        self._timer = threading.Timer(max(deadline - time.time(), 0), self._kill, (process,))
        self._timer.daemon = True
        self._timer.start()

    def _kill(self, process):
        self.fired = True
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def cancel(self):
        self._timer.cancel()


def _json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None


def _gpus_for_grading():
    """The GPUs to grade on: those found, else a pretended GPU 0 (the rehearsal on a CPU)."""
    from autograder.engine.devices import find_gpus

    found = find_gpus()
    return (",".join(found), False) if found else ("0", True)


def sandbox_for(run, backend):
    """``bwrap``, or ``none`` where the engine's sandbox failed the preflight on ``backend``: the graded
    code is the course's own (references, zoo), so the figures are still worth measuring unisolated."""
    smoke = ((run.report.get("preflight") or {}).get("sandbox") or {}).get(backend) or {}
    choice = "bwrap" if smoke.get("ok") else "none"
    run.report["kit"].setdefault("sandbox", {})[backend] = choice if smoke.get("ok") else \
        f"none: the sandbox failed its preflight ({str(smoke.get('error') or 'not run')[-300:]})"
    return choice


def keras_step(run, name, backend, profiles, extra):
    out = run.work / f"{name}.json"
    command = [sys.executable, "bench/keras_submission.py", "--profiles", *profiles, "--students",
               str(run.plan["students"]), "--assignments", *run.plan["assignments"], "--out", str(out),
               "--sandbox", sandbox_for(run, backend), *extra]
    run.step(name, [command], env={"KERAS_BACKEND": backend})
    result = _json(out)
    if result and "gpu" in result["profiles"]:
        for runs in result["profiles"]["gpu"].get("workers_per_gpu", {}).values():
            runs["gpu_memory"] = run.sampler.summary(runs["started"], runs["ended"], graders=runs["workers"])
    run.report[name.replace("-", "_")] = result
    run.save()


def training_items(assignments):
    """``[(assignment, key)]`` of every training check, listed by a process of its own that sees no GPU
    (the hidden modules import Keras: this process must hold no GPU memory, or it would count as a grader's)."""
    listing = ("import json, sys; from autograder.checks.training import training_items; "
               "print(json.dumps([(a, k) for a in sys.argv[1:] for k in training_items(a)]))")
    done = subprocess.run([sys.executable, "-c", listing, *assignments], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "JAX_PLATFORMS": "cpu"}, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"listing the training checks failed: {done.stderr[-1500:]}")
    return [tuple(item) for item in json.loads(done.stdout.strip().splitlines()[-1])]


def calibrate_step(run):
    try:
        items = run.plan["calibrate_items"] or training_items(run.plan["assignments"])
    except (RuntimeError, subprocess.TimeoutExpired) as err:
        run.report["steps"]["calibrate"] = {"status": "failed", "output_tail": [str(err)]}
        run.save()
        return
    records = run.work / "thresholds-gpu.json"
    commands = [[sys.executable, "-m", "autograder.calibrate", "--profile", "gpu", "--seeds", str(run.plan["seeds"]),
                 "--check-reliability", str(run.plan["reliability"]), "-a", a, "-k", k, "--thresholds", str(records)]
                for a, k in items]
    run.step("calibrate", commands)
    made = _json(records) or {}
    rows = [dict(assignment=a, key=k, **made[a][k]["gpu"]) for a, k in items if "gpu" in made.get(a, {}).get(k, {})]
    committed = [r["reliability"]["committed"]["passed"] for r in rows if "committed" in r.get("reliability", {})]
    run.report["calibration"] = {
        "items": len(items), "finished": len(rows), "seeds": run.plan["seeds"],
        "reliability_seeds": run.plan["reliability"],
        "committed_thresholds_pass": {"passed": sum(committed), "of": run.plan["reliability"] * len(committed)},
        "recalibrated_thresholds_pass": {"passed": sum(r["reliability"]["passed"] for r in rows),
                                         "of": sum(r["reliability"]["of"] for r in rows)},
        "records": rows}
    run.save()


def zoo_step(run, gpus):
    out = run.work / "zoo.json"
    command = [sys.executable, "bench/gpu/zoo_sample.py", "--profile", "gpu", "--gpus", gpus, "--workers-per-gpu",
               str(run.plan["zoo_workers_per_gpu"]), "--max-cases", str(run.plan["zoo_max_cases"]),
               "--assignments", *run.plan["assignments"], "--sandbox", sandbox_for(run, "jax"), "--out", str(out)]
    run.step("zoo", [command])
    run.report["zoo_sample"] = _json(out)
    run.save()


def figures(report):
    """The figures the issue asks for, from the steps' results (None where a step did not get there)."""
    gpu = ((report.get("keras_jax_gpu") or {}).get("profiles") or {}).get("gpu") or {}
    per_gpu = gpu.get("workers_per_gpu", {})
    calibration = report.get("calibration") or {}
    zoo = report.get("zoo_sample") or {}
    cpu = ((report.get("keras_jax_cpu") or {}).get("profiles") or {}).get("cpu") or {}
    return {
        "seconds_per_submission_gpu_profile_jax": gpu.get("seconds_one_submission"),
        "seconds_per_submission_cpu_profile_jax": cpu.get("seconds_one_submission"),
        "submissions_per_minute_by_workers_per_gpu": {w: r["submissions_per_minute"] for w, r in per_gpu.items()},
        "gpu_memory_mib_per_grader_by_workers_per_gpu": {w: r["gpu_memory"].get("per_grader_mib")
                                                         for w, r in per_gpu.items() if "gpu_memory" in r},
        "gpu_memory_how": next((r["gpu_memory"].get("how") or r["gpu_memory"].get("why")
                                for r in per_gpu.values() if "gpu_memory" in r), None),
        "reference_lost_points": gpu.get("lost"),
        "committed_gpu_thresholds_pass": calibration.get("committed_thresholds_pass"),
        "recalibrated_gpu_thresholds_pass": calibration.get("recalibrated_thresholds_pass"),
        "zoo_sample_as_expected": {"ok": sum(c["ok"] for c in zoo.get("cases", [])), "of": len(zoo.get("cases", []))},
        "sandbox": report["kit"].get("sandbox"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for gpu-kit.json")
    parser.add_argument("--deadline", type=float, required=True, help="wall-clock end of the budget (epoch seconds)")
    parser.add_argument("--short", action="store_true", help="a rehearsal's assignments and samples")
    args = parser.parse_args(argv)
    run = Run(args.out, args.deadline, SHORT if args.short else FULL, args.short)
    gpus, pretended = _gpus_for_grading()
    run.report["kit"].update({"gpus": gpus, "gpus_pretended": pretended, "plan": run.plan})
    backends = ["jax", "torch"] if not args.short else ["jax"]
    run.step("preflight", [[sys.executable, "bench/gpu/preflight.py", "--backends", *backends,
                            "--out", str(run.work / "preflight.json")]])
    run.report["preflight"] = _json(run.work / "preflight.json")
    keras_step(run, "keras-jax-gpu", "jax", ["gpu"], ["--gpus", gpus, "--workers-per-gpu",
                                                      *map(str, run.plan["workers_per_gpu"])])
    calibrate_step(run)
    zoo_step(run, gpus)
    keras_step(run, "keras-jax-cpu", "jax", ["cpu"], [])
    torch = (run.report.get("preflight") or {}).get("backends", [])
    if "torch" in torch:
        keras_step(run, "keras-torch-gpu", "torch", ["gpu"], ["--gpus", gpus, "--workers-per-gpu", "1"])
    else:
        run.report["steps"]["keras-torch-gpu"] = {"status": "skipped", "why": "torch is not installed"}
    run.sampler.stop()
    run.report["kit"]["ended"] = time.time()
    run.save()
    shutil.rmtree(run.work, ignore_errors=True)  # each step's files are in the report now
    print("== figures\n" + json.dumps(run.report["figures"], indent=1))
    print("== steps\n" + "\n".join(f"{name:16} {s['status']:10} {s.get('seconds', '')}"
                                   for name, s in run.report["steps"].items()))
    return 0 if all(s["status"] in ("ok", "skipped") for s in run.report["steps"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
