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

    grade = commands.add_parser("grade", help="grade every submission of an assignment in submitted/")
    grade.add_argument("assignment", nargs="+")
    grade.add_argument("--student", "-s", action="append", help="only this student (repeatable)")
    grade.add_argument("--force", "-f", action="store_true", help="regrade submissions that have not changed")
    grade.add_argument("--workers", "-j", type=int, help="parallel submissions (default: CPU cores or GPU slots)")
    grade.add_argument("--seed", type=int, help="seed of the hidden inputs (default from nbgrader_config.py)")
    grade.add_argument("--profile", choices=["auto", "cpu", "gpu"], help="training budget of Keras checks")
    grade.add_argument("--ray", nargs="?", const="auto", metavar="ADDRESS",
                       help="grade on a Ray cluster: ADDRESS (host:port), 'local' (a Ray on this machine), "
                            "or none: $RAY_ADDRESS, else the cluster `ray start` made on this machine")

    release = commands.add_parser("release", help="generate release/ from source/ (nbgrader generate_assignment)")
    release.add_argument("assignment", nargs="*", help="default: every assignment in source/")

    demo = commands.add_parser("demo", help="release, grade the example class, write feedback and reports")
    demo.add_argument("assignment", nargs="*", help="default: every assignment in source/")

    commands.add_parser("calibrate", add_help=False,
                        help="recalibrate training thresholds over seeds (see python -m autograder.calibrate --help)")

    args, rest = parser.parse_known_args(argv)
    if args.command == "calibrate":
        from autograder import calibrate

        return calibrate.main(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "demo":
        from autograder import demo as demo_module

        return demo_module.run(".", args.assignment or None)
    if args.command == "grade":
        from autograder.engine.run import grade_assignments
        from autograder.engine.settings import Settings

        settings = Settings.load(".", workers=args.workers, seed=args.seed, profile=args.profile,
                                 executor=args.ray and "ray", ray_address=args.ray)
        outcome = grade_assignments(".", args.assignment, settings, force=args.force, students=args.student)
        return 1 if outcome.failures else 0
    if args.command == "release":
        from autograder.release import release

        release(".", args.assignment)
        return 0
    if args.command == "ci":
        from autograder import ci as ci_module

        ok = ci_module.run(".", args.assignment, args.zoo, tuple(args.grader or ("stock", "engine")), args.seed)
        return 0 if ok else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
