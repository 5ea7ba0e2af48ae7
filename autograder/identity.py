"""The grader's identity: what decides a grade on this machine, as hashes and versions.

Two machines give the same grade to the same submission only when they run the
same grader: the same package version, the same code (the engine, the check
library, the sandbox kernel), the same hidden checks and thresholds, the same
student-side ``assignments`` package (the hidden checks draw data from it),
and the same numerical libraries. ``grader_identity()`` lists each of those;
``differences`` says which of them two identities disagree on, file by file,
so that a cluster node running another grader is refused with the reason.
``digest`` condenses an identity into one hash (a regrade fingerprint can
reuse it).
"""
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
from pathlib import Path

DISTRIBUTION = "dl-course-kit"
PACKAGE = Path(__file__).resolve().parent          # autograder/
ASSIGNMENTS = PACKAGE.parent / "assignments"       # the student-side package, installed beside it
LIBRARIES = ("keras", "numpy")                     # their versions change training and numerics


@functools.lru_cache(maxsize=None)
def grader_identity(backend="tensorflow"):
    """``{part: version or {file: sha256}}`` for the grader installed here, training on Keras ``backend``."""
    hidden = PACKAGE / "hidden"
    return {
        "package version": _version(DISTRIBUTION),
        "grader code": _file_hashes(PACKAGE, lambda p: p.suffix == ".py" and hidden not in p.parents),
        "hidden checks": _file_hashes(hidden, lambda p: p.suffix == ".py"),
        "thresholds": _file_hashes(hidden, lambda p: p.name == "thresholds.json"),
        "assignments package": _file_hashes(ASSIGNMENTS, lambda p: p.suffix == ".py"),
        **{name: _version(name) for name in (*LIBRARIES, backend)},
    }


def digest(identity):
    """One sha256 of a whole identity."""
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def differences(ours, theirs, them="there"):
    """Each part where ``theirs`` differs from ``ours``, in words ("hidden checks: a07_fashion_mnist.py differs";
    "package version: 0.2.0 {them}, 0.1.0 here")."""
    found = []
    for part in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(part), theirs.get(part)
        if mine == other:
            continue
        if isinstance(mine, dict) and isinstance(other, dict):
            changed = sorted(f for f in set(mine) | set(other) if mine.get(f) != other.get(f))
            listed = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
            found.append(f"{part}: {listed} differ{'s' if len(changed) == 1 else ''}")
        else:
            found.append(f"{part}: {other} {them}, {mine} here")
    return found


def _file_hashes(folder, wanted):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts and wanted(p)}


def _version(name):
    """The installed version of a distribution, or of the distribution that provides module ``name``."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    providers = importlib.metadata.packages_distributions().get(name, []) if importlib.util.find_spec(name) else []
    return next((importlib.metadata.version(p) for p in providers), "not installed")
