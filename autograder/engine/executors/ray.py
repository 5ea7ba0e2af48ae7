"""The Ray executor: one Ray task per submission, on whichever node of a Ray cluster Ray picks.

Each task runs exactly the local pool's grading (``batch._grade_job``: the
sandbox, the hidden checks) on its node, and nothing is assumed to be shared
between the nodes and this driver:

- the course's instructor and release notebooks, the settings (with the
  profile the driver decided) and the driver's grader identity travel once
  per run, as one Ray object each node fetches once;
- a submission's files travel with its task, read on the driver exactly as
  the local pool reads them (``engine/submission.py``: bounded, links,
  devices and the like refused), with the notes about what was refused;
- a node checks once that its installed grader is the driver's
  (``autograder.identity``) and that its sandbox starts; a node that fails
  either is refused, with what differs, and its work goes to the others;
- results come back to the driver, which alone stores them (autograder.json,
  and through the caller the gradebook, feedback and reports).

Faults: a task whose node is lost is graded again elsewhere (at most
``NODE_LOSSES`` times), and only its one returned result counts. A
submission that kills its grading worker process ``WORKER_CRASHES`` times,
while every node stays up, is that student's fault: zero, with the reason.
If the driver dies, Ray ends its tasks and the next run resumes from the
stored results.
"""
import dataclasses
import functools
import hashlib
import itertools
import json
import logging
import os
import queue
import shutil
import tempfile
import time
from collections import deque
from pathlib import Path

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from autograder import identity
from autograder import notebooks as nbs
from autograder.engine import batch, devices, uids
from autograder.engine import submission as folder_io
from autograder.engine.executors import WorkerDied, local
from autograder.results import SubmissionResult
from autograder.sandbox.client import SandboxUnavailable
from autograder.sandbox.process import bwrap_usable

log = logging.getLogger(__name__)

NODE_LOSSES = 3           # times one submission is graded again after losing its node
WORKER_CRASHES = 2        # times a submission may kill its grading worker before it is its own fault
REFUSALS = 5              # times one submission may land on a refused node before it is pinned elsewhere
SETTLE_SECONDS = 30       # how long Ray may take to declare a lost node dead
PROBE_SECONDS = 120       # how long a node may take to answer the driver's first check
NODE_DIR = Path(tempfile.gettempdir()) / "autograder-ray"  # a node's caches and logs


@dataclasses.dataclass
class RunContext:
    """What every task of a run needs besides its submission: sent once, fetched once per node."""
    course: dict          # {"source/<a>/x.ipynb" | "release/<a>/x.ipynb": bytes}
    course_digest: str
    grader: dict          # the driver's grader identity
    settings: object      # the run's Settings, profile decided
    training_cache: bool  # False when the driver's AUTOGRADER_TRAINING_CACHE is "off"
    force: bool           # train again rather than reuse stored training results


class NodeRefused(RuntimeError):
    """This node cannot grade for this driver; ``reason`` says why (a different grader, no sandbox)."""

    def __init__(self, node, reason):
        super().__init__(node, reason)  # both in args, so that it survives pickling back to the driver
        self.node, self.reason = node, reason

    def __str__(self):
        return f"{self.node}: {self.reason}"


@dataclasses.dataclass
class Attempt:
    """One submission on its way through the cluster, with what happened to it so far."""
    job: object
    files: object = None                 # ObjectRef of its packed files
    losses: int = 0
    refusals: int = 0
    crashes: list = dataclasses.field(default_factory=list)  # (when, nodes alive at submission) per crash
    alive_at_submit: frozenset = frozenset()
    pin: str = None                      # node id, once refused nodes exist


class RayExecutor:
    """Grades jobs as Ray tasks on the cluster ``settings.ray_address`` names (see the module docstring).

    ``task`` is the remote function that grades one submission on a node
    (``_grade_remote``; tests pass one that fails on purpose), and
    ``settle_seconds`` how long Ray may take to declare a lost node dead.
    """

    def __init__(self, settings, task=None, settle_seconds=SETTLE_SECONDS, force=False):
        self.task, self.settle_seconds, self.force = task or _grade_remote, settle_seconds, force
        self.run_name = "ray"
        self.owns_connection = _connect(settings)
        try:
            resources = ray.cluster_resources()
            gpus = resources.get("GPU", 0) if settings.gpus != "none" else 0
            self.profile = settings.profile if settings.profile != "auto" else ("gpu" if gpus else "cpu")
            self.task_gpus = 1 / settings.workers_per_gpu if gpus else 0
            slots = int(gpus * settings.workers_per_gpu) if gpus else int(resources.get("CPU", 0))
            self.window = 2 * max(1, min(settings.workers or slots, slots or 1))
            self.grader = identity.grader_identity(devices.keras_backend(settings.keras_backend))
            self.accepted, self.refused = self._check_nodes(dataclasses.replace(settings, profile=self.profile))
        except BaseException:
            self.close()
            raise
        self._turns = itertools.count()
        share = f"1 CPU and {self.task_gpus:g} GPU" if self.task_gpus else "1 CPU"
        self.description = f"Ray: {len(self.accepted)} nodes, {resources.get('CPU', 0):g} CPUs, {gpus:g} GPUs"
        print(f"Ray cluster: {len(self.accepted)} nodes grade, {len(self.refused)} refused; "
              f"{resources.get('CPU', 0):g} CPUs, {gpus:g} GPUs; profile {self.profile} (decided once for the run); "
              f"each submission takes {share}", flush=True)

    def run(self, jobs, course_root, settings):
        """Yield ``(job, result data, error)`` for every job as it finishes; the result is stored first."""
        try:
            settings = dataclasses.replace(settings, profile=self.profile)
            context = ray.put(_run_context(course_root, jobs, settings, self.grader, self.force))
            yield from self._drive(deque(Attempt(job) for job in jobs), context, course_root, settings)
        finally:
            self.close()

    def close(self):
        if self.owns_connection:
            ray.shutdown()
            self.owns_connection = False

    # -- driving the tasks ------------------------------------------------------------------
    def _drive(self, waiting, context, course_root, settings):
        running, suspects = {}, []
        while waiting or running or suspects:
            while waiting and len(running) < self.window:
                attempt = waiting.popleft()
                running[self._submit(attempt, context, course_root, settings)] = attempt
            for attempt in [a for a in suspects if time.monotonic() >= a.crashes[-1][0] + self.settle_seconds]:
                suspects.remove(attempt)
                outcome = self._judge_crashes(attempt, course_root)
                if outcome:
                    yield outcome
                else:
                    waiting.append(attempt)
            if not running:
                time.sleep(0.5)
                continue
            done, _ = ray.wait(list(running), num_returns=1, timeout=1 if suspects else None)
            if not done:
                continue
            attempt = running.pop(done[0])
            outcome = self._collect(done[0], attempt)
            if outcome:
                yield outcome
            elif len(attempt.crashes) >= WORKER_CRASHES:
                suspects.append(attempt)  # judged once Ray has had time to declare a lost node dead
            else:
                waiting.append(attempt)

    def _submit(self, attempt, context, course_root, settings):
        if attempt.files is None:
            attempt.files = ray.put(pack_submission(course_root, attempt.job, settings))
        alive = _alive_nodes()
        attempt.alive_at_submit = frozenset(alive)
        strategy = "DEFAULT"
        if self.refused:  # Ray cannot keep a task off a node by itself: send it to one that accepted
            choices = sorted(n for n in self.accepted if n in alive) or sorted(self.accepted)
            if attempt.pin not in choices:
                attempt.pin = choices[next(self._turns) % len(choices)]
            strategy = NodeAffinitySchedulingStrategy(attempt.pin, soft=False)
        return self.task.options(num_cpus=1, num_gpus=self.task_gpus, scheduling_strategy=strategy).remote(
            context, attempt.job, attempt.files)

    def _collect(self, ref, attempt):
        """The outcome of one finished task: ``(job, data, error)``, or None to send it again."""
        try:
            node, data = ray.get(ref)
        except ray.exceptions.RayTaskError as err:
            return self._task_failed(attempt, err.cause, err)
        except (ray.exceptions.NodeDiedError, ray.exceptions.ObjectLostError,
                ray.exceptions.TaskUnschedulableError) as err:
            return self._node_lost(attempt, err)
        except ray.exceptions.RayError as err:  # its worker process died: because of the submission, or of its node?
            attempt.crashes.append((time.monotonic(), attempt.alive_at_submit))
            log.warning("the grading worker died while grading %s (%s): %s",
                        _name(attempt.job), type(err).__name__, str(err).splitlines()[0][:200])
            return None
        return attempt.job, _store(attempt.job, data), None

    def _task_failed(self, attempt, cause, err):
        """Our own code raised on the node: a refused node (grade elsewhere) or a grader fault (not graded)."""
        if isinstance(cause, NodeRefused):
            if cause.node not in self.refused:
                log.warning("refused Ray node %s: %s", _node_name(cause.node), cause.reason)
            self.refused[cause.node] = cause.reason
            self.accepted.discard(cause.node)
            if not self.accepted:
                raise RuntimeError(_nobody_accepts(self.refused))
            attempt.refusals += 1
            return None if attempt.refusals <= REFUSALS else (attempt.job, None, f"not graded: refused by {REFUSALS} nodes")
        if isinstance(cause, SandboxUnavailable):  # as the local pool says it: not graded, the student not blamed
            return attempt.job, None, f"the sandbox could not start: {cause}"
        why = f"{type(cause).__name__}: {cause}" if cause is not None else str(err).splitlines()[0]
        return attempt.job, None, f"the grader failed on a Ray node: {why[:500]}"

    def _node_lost(self, attempt, err):
        attempt.losses += 1
        log.warning("a Ray node was lost while grading %s (%s); grading it again elsewhere (%d of %d)",
                    _name(attempt.job), type(err).__name__, attempt.losses, NODE_LOSSES)
        if attempt.losses > NODE_LOSSES:
            return attempt.job, None, f"not graded: {attempt.losses} Ray nodes were lost while grading it"
        return None

    def _judge_crashes(self, attempt, course_root):
        """Once its last crash has settled: was a node lost meanwhile (grade again), or is it the submission?"""
        alive = set(_alive_nodes())
        kept = [(when, before) for when, before in attempt.crashes if before <= alive]
        if len(kept) < len(attempt.crashes):
            attempt.crashes = kept
            return self._node_lost(attempt, RuntimeError("a node was lost"))
        return attempt.job, None, WorkerDied()

    def _check_nodes(self, settings):
        """``(accepted node ids, {refused node id: reason})`` from one check per alive node."""
        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0) > 0]
        probes = {_check_node.options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=False))
                  .remote(self.grader, settings): node for node in nodes}
        answered, _ = ray.wait(list(probes), num_returns=len(probes), timeout=PROBE_SECONDS)
        accepted, refused = set(), {}
        for ref in answered:
            reason = ray.get(ref)
            if reason:
                refused[probes[ref]] = reason
                log.warning("refused Ray node %s: %s", _node_name(probes[ref]), reason)
            else:
                accepted.add(probes[ref])
        if not accepted:
            raise RuntimeError(_nobody_accepts(refused))
        return accepted, refused


def _nobody_accepts(refused):
    return "no node of the Ray cluster can grade for this driver: " + (
        "; ".join(f"{_node_name(node)}: {why}" for node, why in refused.items()) or "none answered")


def _node_name(node_id):
    """A node as an instructor can find it: its address, and the start of its Ray id."""
    address = next((n["NodeManagerAddress"] for n in ray.nodes() if n["NodeID"] == node_id), "?")
    return f"{address} ({node_id[:8]})"


def _connect(settings):
    """Join (or, for "local", start) the Ray cluster; True when this call made the connection."""
    if ray.is_initialized():
        return False
    options = {"log_to_driver": False}
    if settings.ray_address == "local":  # a private Ray on this machine only, on the loopback interface
        options.update(num_cpus=settings.workers or os.cpu_count(), include_dashboard=False, _node_ip_address="127.0.0.1")
    try:
        ray.init(address=settings.ray_address, **options)
    except ConnectionError as err:
        raise ConnectionError(
            f"no Ray cluster to join at {settings.ray_address!r} ({err}): start one (ray start --head), set "
            "RAY_ADDRESS or c.Autograder.ray_address (host:port), or use 'local' for a Ray on this machine") from None
    return True


def _alive_nodes():
    return [n["NodeID"] for n in ray.nodes() if n["Alive"]]


def _name(job):
    return f"{job.student}/{job.assignment}"


def _store(job, data):
    """A node's result, written where the next run looks for it (as batch._grade_job does locally)."""
    try:
        result = SubmissionResult.from_json(data)
    except (TypeError, KeyError, ValueError):
        result = SubmissionResult(job.assignment, job.student, [], error="grader error: a node sent an unreadable result")
    return batch._store(job, result)


def _run_context(course_root, jobs, settings, grader, force):
    course, digest = {}, hashlib.sha256()
    for assignment in sorted({job.assignment for job in jobs}):
        for kind in ("source", "release"):
            for path in nbs.notebooks_of(Path(course_root) / kind / assignment):
                name = f"{kind}/{assignment}/{path.name}"
                course[name] = path.read_bytes()
                digest.update(name.encode() + hashlib.sha256(course[name]).digest())
    cache = os.environ.get("AUTOGRADER_TRAINING_CACHE") != "off"
    return RunContext(course, digest.hexdigest(), grader, settings, cache, force)


def pack_submission(course_root, job, settings):
    """``(files, notes)`` of one submission, read on the driver as the local pool reads it
    (``engine/submission.py``): ``files`` as ``[(relative path, bytes)]``, and the student-facing notes
    about what was refused (links, devices, files past a limit), which the node adds to the result."""
    notebooks = [p.name for p in (Path(course_root) / "source" / job.assignment).glob("*.ipynb")]
    try:
        folder = folder_io.open_folder(course_root, "submitted", job.student, job.assignment)
    except OSError as err:
        return [], [f"your submission folder could not be opened ({err.strerror}: is it a symbolic link?)"]
    try:
        found = folder_io.scan(folder, folder_io.Limits.from_settings(settings), notebooks)
        files, notes = [], list(found.problems)
        for name, size in sorted(found.files.items()):
            try:
                files.append((name, folder_io.read_file(folder, name, size)))
            except (OSError, ValueError) as err:
                notes.append(f"{name} could not be read ({err}); it was left out")
    finally:
        os.close(folder)
    return files, notes


# -- on a node ------------------------------------------------------------------------------
@ray.remote(max_retries=0)
def _grade_remote(context, job, files):
    """Grade one submission on this node exactly as the local pool does; return ``(node id, result data)``."""
    node = ray.get_runtime_context().get_node_id()
    reason = _node_problem(context.grader, context.settings)
    if reason:
        raise NodeRefused(node, reason)
    settings = context.settings
    os.environ.update(_environment(settings, context.training_cache, context.force))
    layout, run = _sandbox_limits(settings)
    with tempfile.TemporaryDirectory(prefix="autograder-submission-") as scratch:
        course = Path(scratch) / "course"
        cached = _course_on_node(context)
        for kind in ("source", "release"):
            (course / kind).mkdir(parents=True)
            os.symlink(cached / kind / job.assignment, course / kind / job.assignment)
        unpack_submission(files[0], course / "submitted" / job.student / job.assignment)
        here = dataclasses.replace(job, result_path=Path(scratch) / "result" / batch.RESULT_FILE)
        data = batch._grade_job(str(course), here, settings, layout, run, tuple(files[1]))
    return node, data


@ray.remote(max_retries=0)
def _check_node(grader, settings):
    """Why this node cannot grade for the driver, or "" when it can."""
    return _node_problem(grader, settings)


@functools.lru_cache(maxsize=None)
def _node_problem_cached(grader_json, sandbox, backend):
    ours = identity.grader_identity(backend)
    differ = identity.differences(ours, json.loads(grader_json), them="on the driver")
    if differ:
        return "its installed grader differs from the driver's: " + "; ".join(differ)
    if sandbox == "bwrap" and not bwrap_usable():
        return "bubblewrap (bwrap) is missing or cannot create namespaces on this node"
    return ""


def _node_problem(grader, settings):
    return _node_problem_cached(json.dumps(grader, sort_keys=True), settings.sandbox,
                                devices.keras_backend(settings.keras_backend))


def _environment(settings, training_cache, force):
    """This worker process's grading environment, set up once per process (slot, uid lease, log) and refreshed per task."""
    slot = _worker_slot()
    gpus = [str(g) for g in ray.get_gpu_ids()]
    env = devices.worker_environment(slot, os.cpu_count() or 1, gpus, settings)
    env["AUTOGRADER_TRAINING_CACHE"] = str(NODE_DIR / "training-cache") if training_cache else "off"
    env["AUTOGRADER_TRAINING_CACHE_REFRESH"] = "1" if force else "0"
    return env


def _sandbox_limits(settings):
    """This node's control-group layout and the run name of this worker's uid block (its groups and scratch
    folders go there, each worker's in folders of its own)."""
    return _control_groups(settings.cgroups), f"run-{_worker_slot() // uids.SLOTS}"


@functools.lru_cache(maxsize=None)
def _control_groups(mode):
    return local.control_groups(mode)


@functools.lru_cache(maxsize=None)
def _worker_slot():
    """A sandbox slot (uid) of this node for this worker process, which logs its stderr to the node's folder."""
    slot = uids.lease_slot()
    slots = queue.SimpleQueue()
    slots.put(slot)
    batch._start_worker(slots, {slot: {}}, NODE_DIR / "logs")
    return slot


def _course_on_node(context):
    """The run's course notebooks in this node's cache (written once per node, atomically)."""
    folder = NODE_DIR / f"course-{context.course_digest[:32]}"
    if not folder.is_dir():
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=NODE_DIR, prefix="course-staging-"))
        for name, data in context.course.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        try:
            staging.rename(folder)
        except OSError:  # another worker of this node was first
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def unpack_submission(files, folder):
    """Write ``pack_submission``'s files under ``folder`` (a folder this node made)."""
    folder.mkdir(parents=True)
    for name, data in files:
        if Path(name).is_absolute() or ".." in Path(name).parts:
            continue
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder
