"""Every training check has a threshold per profile, made for the budget the check now trains with,
that the reference solution passed on every grading seed."""
import pytest

from autograder.checks import training
from autograder.hidden import ASSIGNMENTS

ITEMS = [(a, key) for a in ASSIGNMENTS for key in training.training_items(a)]


@pytest.mark.parametrize("assignment, key", ITEMS)
@pytest.mark.parametrize("profile", training.PROFILES)
def test_threshold_was_calibrated_for_the_current_budget(assignment, key, profile):
    record = training.load_thresholds()[assignment][key][profile]
    budget = training.training_items(assignment)[key].budgets[profile]
    assert record["budget"] == budget, (
        f"{assignment}/{key} ({profile}) trains with {budget} but its threshold was made for {record['budget']}: "
        f"run `autograder calibrate --profile {profile} -a {assignment} -k {key}`")
    assert record["calibrated"] and len(record["seeds"]) >= 5


@pytest.mark.parametrize("assignment, key", ITEMS)
@pytest.mark.parametrize("profile", training.PROFILES)
def test_reference_passed_every_grading_seed(assignment, key, profile):
    """Issue 4: the reference solution passes the check on 20 of 20 grading seeds, in both profiles."""
    reliability = training.load_thresholds()[assignment][key][profile].get("reliability")
    assert reliability and reliability["of"] >= 20 and reliability["passed"] == reliability["of"], (
        f"{assignment}/{key} ({profile}): reliability {reliability}; run `autograder calibrate --profile {profile} "
        f"-a {assignment} -k {key} --check-reliability 20` and widen min_margin if the reference fails a seed")
