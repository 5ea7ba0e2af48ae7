"""The boundary around a student's code: one door, and only this package stands in it.

- ``process``   the sandboxed process: bubblewrap, control groups, rlimits, its own uid;
- ``cgroups``   memory and process limits for a whole sandbox (cgroup v1 or v2);
- ``protocol``  requests out, replies in: one strict parser with a size limit per message;
- ``client``    the session with a sandbox (deadlines, restarts, replays) and the student proxy
                checks call: the only code that sees bytes from the sandbox.

Inside the sandbox runs ``autograder/kernel`` (as ``gradekernel``), and nothing else of the grader.
"""
