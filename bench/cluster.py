"""Benchmark: the same 40 submissions through the local pool and through Ray, on this machine, in one run.

The submissions are grading_speed.py's (8 per assignment of 01-05: correct,
buggy from the zoo, faulty). Ray runs as a one-node cluster with this
machine's CPUs (2 here), started before the clock starts, as a real cluster
is already up when grading begins; its start-up is reported on its own.
Both are timed as the instructor runs them: `autograder grade 01 ... 05
--force` and the same with `--ray ADDRESS`, alternating for ``--rounds``
rounds so neither profits from the other's warm caches. Goal (issue 11):
Ray's wall time at most 1.15x the local pool's.
Usage: python bench/cluster.py [--rounds 2] [--out bench/cluster_results.json]
"""
import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from grading_speed import ASSIGNMENTS, build_course, timed  # noqa: E402

# Read when Ray is imported: the cluster stays on 127.0.0.1, and the drivers this bench starts share its token.
os.environ.update(RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0", RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32))
import ray  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "bench" / "cluster_results.json"))
    args = parser.parse_args()
    cores = os.cpu_count()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}", TF_CPP_MIN_LOG_LEVEL="3",
               RAY_ADDRESS="")
    with tempfile.TemporaryDirectory() as tmp:
        courses = {name: Path(tmp) / name for name in ("local", "ray")}
        count = len({name: build_course(path) for name, path in courses.items()}["local"])
        for attempt in range(3):  # on a loaded machine a raylet may miss its agents' 15 s start-up window
            started = time.perf_counter()
            try:
                ray.init(address="local", num_cpus=cores, include_dashboard=False, log_to_driver=False)
                break
            except Exception:  # noqa: BLE001 - "node timed out during startup": try again
                if attempt == 2:
                    raise
        cluster_start = time.perf_counter() - started
        address = ray.get_runtime_context().gcs_address
        command = [sys.executable, "-m", "autograder", "grade", *ASSIGNMENTS, "--force"]
        runs = {"local": command, "ray": [*command, f"--ray={address}"]}
        seconds = {name: [] for name in runs}
        try:
            for _ in range(args.rounds):
                for name, argv in runs.items():
                    seconds[name].append(timed(lambda: _grade(argv, courses[name], env)))
        finally:
            ray.shutdown()
    total = {name: sum(times) for name, times in seconds.items()}
    figures = {"submissions": count, "cores": cores, "rounds": args.rounds,
               "seconds": {name: [round(t, 1) for t in times] for name, times in seconds.items()},
               "ray_cluster_start_seconds": round(cluster_start, 1),
               "ray_over_local": round(total["ray"] / total["local"], 3)}
    print(json.dumps(figures, indent=2))
    Path(args.out).write_text(json.dumps(figures, indent=2) + "\n")


def _grade(argv, course, env):
    done = subprocess.run(argv, cwd=course, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")


if __name__ == "__main__":
    main()
