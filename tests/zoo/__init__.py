"""Bug zoos: for each assignment, wrong answers real students write and correct alternatives.

``zoo_<assignment>.py`` defines
``BUGS = {name: {"cells": {answer grade_id: code}, "loses": [test grade_ids]}}``
(each bug must lose points on at least the cells it names) and
``ALTERNATIVES = {name: {answer grade_id: code}}`` (each must get full marks).
Answer cells a case does not name get the reference solution.
"""
