"""A student's submission folder, read without trusting anything in it.

The folder ``submitted/<student>/<assignment>/`` is the student's: it may
hold symbolic links (to ``source/``, to another student's notebook, to a
root-only file), hard links to files elsewhere, FIFOs, devices, sparse
files of terabytes or trees thousands of folders deep. So every folder and
file is opened relative to its parent's descriptor with ``O_NOFOLLOW``
(the path cannot be swapped under us), its type, link count and size are
checked on the open descriptor before a byte is read, and the walk is
bounded in depth, entries and bytes. Whatever is refused is named in a
note for the student and flags the submission; it is never read.
"""
import dataclasses
import hashlib
import os
import stat

MAX_DEPTH = 8
CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclasses.dataclass
class Limits:
    max_files: int = 500
    max_bytes: int = 50 << 20          # all files together
    max_file_bytes: int = 50 << 20     # one file
    max_notebook_bytes: int = 20 << 20  # one of the course's notebooks (the names scan looks at first)

    @classmethod
    def from_settings(cls, settings):
        total = int(settings.max_submission_mb * (1 << 20))
        return cls(int(settings.max_submission_files), total, total, int(settings.max_notebook_mb * 1e6))


@dataclasses.dataclass
class Scan:
    files: dict      # relative path -> size, for the regular files that may be read
    problems: list   # student-facing notes about what was refused


def open_folder(course_root, *parts):
    """A descriptor of ``course_root/parts...``, no part of it a symbolic link; OSError otherwise."""
    fd = os.open(course_root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except OSError:
        os.close(fd)
        raise
    return fd


def scan(folder_fd, limits, first=()):
    """Every regular file under the folder, within ``limits``; symbolic links, hard links, devices,
    FIFOs, sockets and whatever is past a limit are refused with a note. Top-level names in ``first``
    (the course's notebooks) are looked at before anything else, so no pile of files crowds them out."""
    files, problems, total = {}, [], 0
    stack = [(os.dup(folder_fd), "", 0)]
    try:
        while stack:
            fd, prefix, depth = stack.pop()
            try:
                entries = sorted(os.listdir(fd), key=lambda name: (not (depth == 0 and name in first), name))
            except OSError as err:
                problems.append(f"{prefix or 'your folder'} could not be read ({err.strerror})")
                entries = []
            for name in entries:
                relative = prefix + name
                if len(files) + len(stack) >= limits.max_files:
                    problems.append(f"your submission has more than {limits.max_files} files; the rest were not graded")
                    return Scan(files, problems)
                try:
                    info = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    continue
                why = _refusal(info, depth, limits)
                if depth == 0 and name in first and stat.S_ISREG(info.st_mode) and info.st_size > limits.max_notebook_bytes:
                    why = (f"is {info.st_size / 1e6:.0f} MB, over the {limits.max_notebook_bytes / 1e6:g} MB limit "
                           "(max_notebook_mb)")
                if why:
                    problems.append(f"{relative} {why}; it was not read")
                elif stat.S_ISDIR(info.st_mode):
                    try:
                        stack.append((os.open(name, _DIR_FLAGS, dir_fd=fd), relative + "/", depth + 1))
                    except OSError as err:
                        problems.append(f"{relative} could not be opened ({err.strerror})")
                elif total + info.st_size > limits.max_bytes:
                    problems.append(f"{relative} would take your submission over {limits.max_bytes >> 20} MB; it was not read")
                else:
                    files[relative] = info.st_size
                    total += info.st_size
            os.close(fd)
    finally:
        for fd, _, _ in stack:
            os.close(fd)
    return Scan(files, problems)


def _refusal(info, depth, limits):
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "is a symbolic link"
    if stat.S_ISDIR(mode):
        return "is nested too deeply" if depth >= MAX_DEPTH else ""
    if not stat.S_ISREG(mode):
        return "is not a regular file (a device, FIFO or socket)"
    if info.st_nlink != 1:
        return "is a hard link to another file"
    if info.st_size > limits.max_file_bytes:
        return f"is {info.st_size / (1 << 20):.0f} MB, over the {limits.max_file_bytes >> 20} MB limit"
    return ""


def open_file(folder_fd, relative, max_bytes):
    """A descriptor of a regular file under the folder, checked on the descriptor itself (not a link, a
    single link, at most ``max_bytes``); OSError or ValueError with the reason otherwise."""
    parts = relative.split("/")
    fd = os.dup(folder_fd)
    try:
        for part in parts[:-1]:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)
    info = os.fstat(file_fd)
    why = "is not a regular file" if not stat.S_ISREG(info.st_mode) else \
        "is a hard link to another file" if info.st_nlink != 1 else \
        f"is over the {max_bytes:,} byte limit" if info.st_size > max_bytes else ""
    if why:
        os.close(file_fd)
        raise ValueError(f"{relative} {why}")
    return file_fd


def read_file(folder_fd, relative, max_bytes):
    """The bytes of a regular file under the folder (see ``open_file``), at most ``max_bytes``."""
    fd = open_file(folder_fd, relative, max_bytes)
    try:
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(CHUNK, max_bytes + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                raise ValueError(f"{relative} grew over the {max_bytes:,} byte limit while it was read")
    finally:
        os.close(fd)


def fingerprint(folder_fd, found, salt):
    """A hash of the files' names and contents and of what was refused, with ``salt`` (the course's part)."""
    digest = hashlib.sha256(salt.encode())
    for relative, size in sorted(found.files.items()):
        digest.update(f"{relative}\0{size}\0".encode())
        try:
            fd = open_file(folder_fd, relative, size)
        except (OSError, ValueError) as err:
            digest.update(f"unreadable: {err}".encode())
            continue
        try:
            for chunk in iter(lambda: os.read(fd, CHUNK), b""):
                digest.update(chunk)
        finally:
            os.close(fd)
    for problem in found.problems:
        digest.update(problem.encode())
    return digest.hexdigest()


def read_files(folder_fd, found):
    """``({relative path: bytes}, notes)``: the readable files, and a note for each that could not be read."""
    files, problems = {}, []
    for relative, size in sorted(found.files.items()):
        try:
            files[relative] = read_file(folder_fd, relative, size)
        except (OSError, ValueError) as err:
            problems.append(f"{relative} could not be read ({err}); it was left out")
    return files, problems
