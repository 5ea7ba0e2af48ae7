"""The grading engine, in the order a submission meets it:

``settings``  what the course configured (limits, workers, GPUs, seed);
``plan``      which of the student's cells run, and which graded items exist;
``sandbox``   the isolated process that runs them, and ``SandboxStudent``;
``grade``     one submission: run cells, run every hidden check, score;
``batch``     many submissions in parallel, resumable, with progress;
``record``    results into the nbgrader gradebook and grades.csv;
``feedback``  student HTML and the instructor report.
"""
