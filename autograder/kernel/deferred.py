"""Stand-ins for modules that set-up cells import but grading seldom uses, imported on first use.

Every set-up cell imports ``matplotlib.pyplot`` for plots that grading skips,
and importing it costs about 0.35 s of CPU: most of what a sandbox spends on a
numpy submission. ``install("matplotlib.pyplot")`` puts a stand-in for the
module and each of its parent packages in ``sys.modules``, with their real
``__spec__`` and ``__file__`` (found without importing them), so ``import
matplotlib.pyplot as plt`` binds the stand-in at no cost. The first time any
code reads, writes or lists anything else on a stand-in, the real modules are
imported (the stand-ins leave ``sys.modules`` first) and every stand-in
forwards to its real module from then on: student code that plots works
exactly as with the real import, only later.
"""
import importlib
import importlib.machinery
import sys
import types

DEFERRED = frozenset({"matplotlib.pyplot"})  # what ``boot`` installs instead of importing


class StandIn(types.ModuleType):
    """A module whose contents are imported from ``__stand_in_for__`` the first time they are needed."""

    def __getattr__(self, attr):  # only for what the stand-in itself lacks
        return getattr(_real(self), attr)

    def __setattr__(self, attr, value):
        setattr(_real(self), attr, value)

    def __delattr__(self, attr):
        delattr(_real(self), attr)

    def __dir__(self):
        return dir(_real(self))


def install(name):
    """Stand-ins for ``name`` and its parent packages that are not imported yet; loading any of them
    imports ``name`` (and so all of them)."""
    parts, specs, path = name.split("."), [], None
    for depth in range(1, len(parts) + 1):
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[:depth]), path)
        if spec is None:
            return  # not installed: the student's own import says so, as it would without stand-ins
        specs.append(spec)
        path = spec.submodule_search_locations
    stand_ins = []
    for spec in specs:
        if spec.name in sys.modules:
            stand_ins.append(sys.modules[spec.name])
            continue
        module = StandIn(spec.name)
        vars(module).update(__spec__=spec, __file__=spec.origin, __loader__=spec.loader,
                            __package__=spec.parent if spec.submodule_search_locations is None else spec.name,
                            __stand_in_for__=name)
        if stand_ins:
            vars(stand_ins[-1])[spec.name.rpartition(".")[2]] = module
        sys.modules[spec.name] = module
        stand_ins.append(module)


def _real(stand_in):
    """The real module behind ``stand_in``, importing it (and the module it stands in for) the first time."""
    name = vars(stand_in)["__name__"]
    if sys.modules.get(name) is stand_in:
        target = vars(stand_in)["__stand_in_for__"]
        for other in [n for n, m in list(sys.modules.items()) if isinstance(m, StandIn)]:
            del sys.modules[other]
        importlib.import_module(target)
    return importlib.import_module(name)
