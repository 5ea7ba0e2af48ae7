"""``autograder ci``: prove each assignment's grading on its zoo, a table per assignment.

For every assignment: the source solution must get full marks, the untouched
release zero on every graded cell, every bug in the zoo must lose points on
the cells it names, and every correct alternative must get full marks.
"""
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder import notebooks as nbs
from autograder import stock
from autograder.zoo import cases, sample

GRADERS = ("stock", "engine")


def max_scores(course_root, assignment):
    """``{grade_id: points}`` over the assignment's source notebooks."""
    out = {}
    for path in nbs.notebooks_of(Path(course_root) / "source" / assignment):
        out.update(nbs.graded_cells(nbs.read(path)))
    return out


def grade_cases(grader, course_root, assignment, found, workdir, seed):
    """``{student: {grade_id: score}}`` for every case, from one grader."""
    submissions = {case.student: case.notebooks for case in found}
    if grader == "stock":
        return stock.autograde(course_root, assignment, submissions, Path(workdir) / "stock")
    from autograder.engine.batch import grade_notebooks

    return grade_notebooks(course_root, assignment, submissions, Path(workdir) / "engine", seed=seed)


def run(course_root=".", assignments=None, zoo_dir="tests/zoo", graders=("stock",), seed=2026, console=None,
        sampled=(), sample_answers=None):
    """Grade every case of every assignment with every grader; print tables; return True if all agree.

    Graders named in ``sampled`` grade only ``zoo.sample(cases, sample_answers)`` (shown as "-" for the rest).
    """
    console = console or Console(width=150)
    course_root = Path(course_root)
    assignments = assignments or sorted(p.name for p in (course_root / "source").iterdir() if p.is_dir())
    all_ok = True
    for assignment in assignments:
        found = cases(course_root, assignment, zoo_dir)
        maxima = max_scores(course_root, assignment)
        table = Table(title=f"{assignment}: {len(found)} cases, {sum(maxima.values()):g} points")
        table.add_column("submission")
        table.add_column("expected")
        for grader in graders:
            table.add_column(f"{grader} score", justify="right")
            table.add_column(f"{grader} verdict")
        verdicts = {}
        with tempfile.TemporaryDirectory(prefix=f"ci-{assignment}-") as workdir:
            results = {g: grade_cases(g, course_root, assignment, sample(found, sample_answers) if g in sampled else found, workdir, seed)
                       for g in graders}
        for case in found:
            row = [case.student, case.expect + (f" on {', '.join(case.loses)}" if case.loses else "")]
            for grader in graders:
                if case.student not in results[grader]:
                    row += ["-", "not in the sample"]
                    continue
                scores = results[grader][case.student]
                problem = case.verdict(scores, maxima)
                verdicts[(case.student, grader)] = problem
                row += [f"{sum(scores.values()):g}/{sum(maxima.values()):g}", "ok" if not problem else f"FAIL: {problem}"]
            table.add_row(*row)
        console.print(table)
        failed = {k: v for k, v in verdicts.items() if v}
        all_ok = all_ok and not failed
    return all_ok
