"""The example class the demo grades: each student is a recipe over the committed release.

``"solution"`` hands in the reference solution, ``"release"`` the untouched
release; otherwise a dict maps an assignment to the zoo cases
(``bug:<name>`` or ``alt:<name>`` from ``tests/zoo``) whose answers the
student wrote, with the reference solution everywhere else.
"""

STUDENTS = {
    "alice": "solution",
    "bob": "release",
    "carol": {
        "01_neuron": ["bug:sigmoid_naive_overflows", "alt:relu_where"],
    },
    "dave": {
        "01_neuron": ["bug:neuron_missing_bias", "bug:decision_boundary_sign"],
    },
}
