"""Which cells of a student's notebook run, and what is graded: decided by the instructor's notebook.

The graded items and their points come from the source (instructor) notebook,
never from the student's copy, so deleting, duplicating, re-typing or
re-labelling cells cannot change what is graded or how much it is worth.
Locked cells run in their original form; answer cells run as the student
wrote them; cells the student added run where they put them; test cells are
never sent to the student's process (their checks run in the grader);
``demo`` cells are skipped.
"""
from dataclasses import dataclass, field

from autograder import notebooks as nbs


@dataclass
class PlannedCell:
    label: str   # grade_id of a course cell, or "your cell N" for one the student added
    source: str
    role: str    # "setup", "answer" or "added"


@dataclass
class Item:
    grade_id: str
    points: float


@dataclass
class Plan:
    cells: list = field(default_factory=list)
    items: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # student-facing notes; any of them flags the submission


def make_plan(template, submitted):
    """The Plan for one student notebook (``submitted``) of one course notebook (``template``)."""
    course = {nbs.grade_id(c): c for c in template.cells if nbs.grade_id(c)}
    plan = Plan(items=[Item(nbs.grade_id(c), nbs.points(c)) for c in template.cells if nbs.is_graded_test(c)])
    answers, added = _read_student_cells(submitted, course, plan.problems)
    plan.cells += added.get(None, [])
    for cell in template.cells:
        gid = nbs.grade_id(cell)
        if cell.cell_type != "code" or nbs.is_graded_test(cell) or nbs.is_demo(cell):
            pass
        elif nbs.is_answer(cell):
            if gid in answers:
                plan.cells.append(PlannedCell(gid, answers[gid], "answer"))
            else:
                plan.problems.append(f"answer cell `{gid}` is missing from your notebook (deleted or re-typed?)")
        else:
            plan.cells.append(PlannedCell(gid, cell.source, "setup"))
        plan.cells += added.get(gid, [])
    return plan


def _read_student_cells(submitted, course, problems):
    """``({answer grade_id: source}, {grade_id the added cells follow (None: top): [PlannedCell]})``."""
    answers, added, seen, after = {}, {}, set(), None
    for number, cell in enumerate(submitted.cells, start=1):
        gid = nbs.grade_id(cell)
        if gid in course:
            if gid in seen:
                problems.append(f"cell `{gid}` appears more than once; only the first copy counts")
                continue
            seen.add(gid)
            original = course[gid]
            if nbs.is_answer(original):
                if cell.cell_type != "code":
                    problems.append(f"answer cell `{gid}` was changed to a {cell.cell_type} cell; it needs to be code")
                    continue
                answers[gid] = cell.source
            elif _role(cell) != _role(original) or cell.cell_type != original.cell_type:
                problems.append(f"cell `{gid}` had its type or grading metadata changed; the original was used")
            after = gid
        else:
            if gid is not None or nbs.nbgrader_meta(cell):
                problems.append(f"your cell {number} carries grading metadata the course did not give it; it ran as your own cell")
            if cell.cell_type == "code":
                added.setdefault(after, []).append(PlannedCell(f"your cell {number}", cell.source, "added"))
    for gid, original in course.items():
        if nbs.is_graded_test(original) and gid not in seen:
            problems.append(f"test cell `{gid}` is missing from your notebook; it was graded from the original")
    return answers, added


def _role(cell):
    meta = nbs.nbgrader_meta(cell)
    return bool(meta.get("solution")), bool(meta.get("grade")), bool(meta.get("locked")), meta.get("points")
