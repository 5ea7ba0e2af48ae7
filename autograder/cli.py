"""The ``autograder`` command line."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    ci = commands.add_parser("ci", help="prove grading on the solution, the release and the bug zoo")
    ci.add_argument("--assignment", "-a", action="append", help="only this assignment (repeatable)")
    ci.add_argument("--grader", "-g", action="append", choices=["stock", "engine"],
                    help="which grader(s) to prove (default: both)")
    ci.add_argument("--zoo", default="tests/zoo", help="folder of zoo_<assignment>.py files")
    ci.add_argument("--seed", type=int, default=2026)

    args = parser.parse_args(argv)
    if args.command == "ci":
        from autograder import ci as ci_module

        ok = ci_module.run(".", args.assignment, args.zoo, tuple(args.grader or ("stock", "engine")), args.seed)
        return 0 if ok else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
