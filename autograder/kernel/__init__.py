"""Code that runs inside the student's sandbox, and nothing else does.

It is bind-mounted alone into the sandbox (as the package ``gradekernel``),
so it must import nothing from the rest of ``autograder``: relative imports
and numpy only. Everything it returns is plain data (see ``plain``), so the
trusted grader never executes or unpickles anything the student made.
"""
