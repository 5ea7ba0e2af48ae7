"""The grading engine, in the order a submission meets it:

``settings``  what the course configured (limits, workers, GPUs, seed);
``plan``      which of the student's cells run, and which graded items exist;
``submission`` the student's folder, read without following links and within limits;
``grade``     one submission: run cells in its sandbox (``autograder.sandbox``), every hidden check, score;
``batch``     many submissions in parallel (``executors``: local pool or Ray), resumable, with progress;
``record``    results into the nbgrader gradebook and grades.csv;
``feedback``  student HTML and the instructor report.
"""
