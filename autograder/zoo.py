"""Cases that prove an assignment's grading: solution, untouched release, bug zoo, alternatives.

Each case is a submission (built from the committed release) and what its
grade must be: full marks, zero on every graded cell, or fewer points on
named cells (see ``tests/zoo/__init__.py`` for the zoo file format).
"""
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from autograder import notebooks as nbs

FULL, ZERO, LOSES = "full marks", "zero everywhere", "loses points"


@dataclass
class Case:
    student: str
    expect: str
    notebooks: dict
    loses: list = field(default_factory=list)
    answers: tuple = ()  # the answer cells this case wrote (none: solution or release)

    def verdict(self, scores, max_scores):
        """'' when ``scores`` ({grade_id: score}) are what this case expects, else why not."""
        if self.expect == FULL:
            short = [g for g, m in max_scores.items() if scores.get(g, 0) < m]
            return f"lost points on {short}" if short else ""
        if self.expect == ZERO:
            scored = [g for g in max_scores if scores.get(g, 0) > 0]
            return f"scored on {scored}" if scored else ""
        kept = [g for g in self.loses if scores.get(g, 0) >= max_scores[g]]
        if kept:
            return f"kept full points on {kept}"
        if all(scores.get(g, 0) >= m for g, m in max_scores.items()):
            return "got full marks"
        return ""


def load_zoo(zoo_dir, assignment):
    """The BUGS and ALTERNATIVES of ``zoo_<assignment>.py``, empty when there is no such file."""
    path = Path(zoo_dir) / f"zoo_{assignment}.py"
    if not path.exists():
        return {}, {}
    spec = importlib.util.spec_from_file_location(f"zoo_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, "BUGS", {}), getattr(module, "ALTERNATIVES", {})


def cases(course_root, assignment, zoo_dir):
    """Every Case of one assignment, in a stable order."""
    course_root = Path(course_root)
    sources = {p.name: nbs.read(p) for p in nbs.notebooks_of(course_root / "source" / assignment)}
    releases = {p.name: nbs.read(p) for p in nbs.notebooks_of(course_root / "release" / assignment)}

    def build(answers, use_reference=True):
        out = {}
        for name, release in releases.items():
            mine = {k: v for k, v in answers.items() if k in _answer_ids(release)}
            out[name] = nbs.make_submission(release, sources[name], mine, use_reference)
        missing = set(answers) - {k for r in releases.values() for k in _answer_ids(r)}
        if missing:
            raise KeyError(f"{assignment} zoo names unknown answer cells {sorted(missing)}")
        return out

    bugs, alternatives = load_zoo(zoo_dir, assignment)
    found = [Case("solution", FULL, build({})), Case("release", ZERO, build({}, use_reference=False))]
    found += [Case(f"bug-{name}", LOSES, build(b["cells"]), list(b["loses"]), tuple(b["cells"])) for name, b in bugs.items()]
    found += [Case(f"alt-{name}", FULL, build(cells), answers=tuple(cells)) for name, cells in alternatives.items()]
    return found


def sample(found, answers=None):
    """The solution, the release, the first bug and the first alternative (among those that write
    one of ``answers``, when given).

    A cheaper proof of the same grading path, for graders too slow to take a
    whole zoo of models to train (stock nbgrader runs every demo cell too):
    full marks, zero, a loss and an accepted variant each go through it once.
    """
    picked = [case for case in found if not case.answers]
    for expect in (LOSES, FULL):
        candidates = [c for c in found if c.answers and c.expect == expect and (not answers or set(c.answers) & set(answers))]
        picked += candidates[:1]
    return picked


def _answer_ids(nb):
    return {nbs.grade_id(c) for c in nb.cells if nbs.is_answer(c)}
