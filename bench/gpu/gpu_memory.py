"""GPU memory and load over time, from ``nvidia-smi``, for the GPU kit's figures.

A background thread samples, every ``interval`` seconds, the memory each process holds on the GPU
(``--query-compute-apps``) and the card's memory in use and utilisation (``--query-gpu``).
``summary(start, end)`` reduces the samples taken between two wall-clock times (a grading run's)
to peaks: the largest process is one grader's memory. JAX here allocates on demand
(``XLA_PYTHON_CLIENT_PREALLOCATE=false``) and torch caches what it allocated, so a process's
figure is the most it needed. Where the per-process query lists nothing (some virtualised GPUs
do not show processes), the card's growth over its idle baseline divided by the graders stands in.
Without ``nvidia-smi`` nothing is sampled and the summary says so.
"""
import shutil
import subprocess
import threading
import time


def _query(args):
    try:
        done = subprocess.run(["nvidia-smi", *args, "--format=csv,noheader,nounits"],
                              capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if done.returncode != 0:
        return []
    return [[field.strip() for field in line.split(",")] for line in done.stdout.splitlines() if line.strip()]


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


class Sampler:
    """Samples GPU memory in a daemon thread between ``start()`` and ``stop()``."""

    def __init__(self, interval=1.0):
        self.interval, self.samples = interval, []
        self.available = shutil.which("nvidia-smi") is not None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.baseline_mib = None

    def start(self):
        if self.available:
            card = self._card()
            self.baseline_mib = card[0] if card else None
            self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def _card(self):
        """``(memory used MiB, utilisation %)`` summed over the GPUs, or None."""
        rows = [[_number(v) for v in row] for row in _query(["--query-gpu=memory.used,utilization.gpu"])]
        rows = [row for row in rows if len(row) == 2 and None not in row]
        return (sum(r[0] for r in rows), sum(r[1] for r in rows) / len(rows)) if rows else None

    def _run(self):
        while not self._stop.is_set():
            processes = {}
            for row in _query(["--query-compute-apps=pid,used_memory"]):
                if len(row) == 2 and _number(row[1]) is not None:
                    processes[row[0]] = _number(row[1])
            self.samples.append((time.time(), self._card(), processes))
            self._stop.wait(self.interval)

    def summary(self, start, end, graders=None):
        """Peaks between wall-clock times ``start`` and ``end``; ``graders`` share the card then."""
        if not self.available:
            return {"measured": False, "why": "nvidia-smi not found (no GPU)"}
        window = [s for s in self.samples if start <= s[0] <= end]
        if not window:
            return {"measured": False, "why": "no sample in this window"}
        cards = [card for _, card, _ in window if card]
        per_process = [mib for _, _, processes in window for mib in processes.values()]
        out = {"measured": True, "samples": len(window), "baseline_mib": self.baseline_mib,
               "peak_card_mib": max((c[0] for c in cards), default=None),
               "mean_utilization_pct": round(sum(c[1] for c in cards) / len(cards), 1) if cards else None,
               "processes_seen": len({pid for _, _, processes in window for pid in processes})}
        if per_process:
            out["per_grader_mib"], out["how"] = max(per_process), "largest process (nvidia-smi --query-compute-apps)"
        elif graders and out["peak_card_mib"] is not None and self.baseline_mib is not None:
            out["per_grader_mib"] = round((out["peak_card_mib"] - self.baseline_mib) / graders)
            out["how"] = "card's peak over its idle baseline / graders (nvidia-smi --query-gpu; no process list)"
        return out
