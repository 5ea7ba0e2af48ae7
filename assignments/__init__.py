"""Student-side helpers the course notebooks import: offline datasets and plots.

Nothing here is hidden or graded; students may read all of it.
"""
