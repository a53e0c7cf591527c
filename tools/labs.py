#!/usr/bin/env python3
"""Labs: start one, prove them all, grade a class.

    tools/labs.py start LAB            branch lab-LAB with the lab's starter applied
    tools/labs.py check [LAB...]       labs-check: each grader fails on its starter
                                       and passes with its solution
    tools/labs.py batch LAB SUBMISSION... --csv scores.csv [--base REV]

A lab is a folder labs/LAB/ (see docs/src/labs/instructors.md): the
handout, `checks.py` for tools/grade.py, an optional `starter.patch` and
a `solution.patch` that applies on top of it.

`check` and `batch` build in one throwaway git worktree (build/labs-tree,
removed at the end), reset to the commit under test before each lab or
submission, with its own cargo target directory (target/labs-check) so
that each build recompiles only what the last patch changed. Grading
always uses this tree's tools/grade.py and labs/LAB/checks.py, never the
ones in a submission.
"""

import argparse
import csv
import glob
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from grade import LABS, labs  # noqa: E402

ROOT = harness.ROOT
TREE = os.path.join(ROOT, "build", "labs-tree")
TARGET = os.path.join(ROOT, "target", "labs-check")
# What a submission may not change: the graders and the guest-side tests.
PROTECTED = ["labs", "tools", "user/src/bin/labtests"]


def git(*args, cwd=ROOT, check=True):
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise SystemExit(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result


def lab_file(lab, name):
    path = os.path.join(LABS, lab, name)
    return path if os.path.isfile(path) else None


# ---------------------------------------------------------------- start


def start(lab):
    """`make lab LAB=x`: a branch lab-x from here, the starter committed."""
    if lab not in labs():
        raise SystemExit(f"no lab '{lab}'; labs: {', '.join(labs())}")
    if git("status", "--porcelain", "--untracked-files=no").stdout.strip():
        raise SystemExit("the working tree has uncommitted changes: commit or stash them first")
    branch = f"lab-{lab}"
    if git("rev-parse", "--verify", "--quiet", branch, check=False).returncode == 0:
        raise SystemExit(f"branch {branch} exists already: `git checkout {branch}` to continue it")
    git("checkout", "-b", branch)
    starter = lab_file(lab, "starter.patch")
    if starter:
        git("apply", "--index", starter)
        git("commit", "-q", "-m", f"lab {lab}: starter")
    print(f"On branch {branch}. Read docs/src/labs/{lab}.md (or `make docs`), then `make grade`.")


# ---------------------------------------------------------------- the tree


class Tree:
    """The throwaway worktree, reset to `base` for each build."""

    def __init__(self, base):
        self.base = base
        self.remove()
        git("worktree", "add", "--detach", TREE, base)
        self.env = dict(os.environ, CARGO_TARGET_DIR=TARGET)

    def reset(self, revision=None):
        git("checkout", "-q", "-f", "--detach", revision or self.base, cwd=TREE)
        git("clean", "-q", "-f", "-d", "-x", cwd=TREE)

    def apply(self, patch):
        """Applies a patch file; returns None or git's complaint."""
        result = git("apply", "--index", os.path.abspath(patch), cwd=TREE, check=False)
        return None if result.returncode == 0 else result.stderr.strip()

    def protect(self):
        """Puts the graders and guest tests back as they are in `base`;
        returns the protected paths the submission had changed."""
        changed = git("diff", "--name-only", self.base, "--", *PROTECTED, cwd=TREE).stdout.split()
        if changed:
            git("checkout", self.base, "--", *PROTECTED, cwd=TREE)
        return changed

    def build(self):
        """`make kernel initrd` in the tree; returns None or the error's tail."""
        result = subprocess.run(["make", "-s", "kernel", "initrd"], cwd=TREE, env=self.env,
                                capture_output=True, text=True)
        if result.returncode == 0:
            return None
        errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
        return (errors or result.stderr.strip().splitlines() or ["build failed"])[0]

    def grade(self, lab, accel, verbose):
        """Runs this repository's grader on the tree's kernel; returns
        (score line, passed, failed, output)."""
        result = subprocess.run(
            [sys.executable, os.path.join(ROOT, "tools", "grade.py"), lab, "--accel", accel,
             "--kernel", os.path.join(TREE, "build", "kernel.elf"),
             "--initrd", os.path.join(TREE, "build", "initrd.tar")],
            capture_output=True, text=True)
        out = result.stdout
        if verbose:
            print(out, end="")
        score = re.search(r"^Score: (\d+)/(\d+).*$", out, re.M)
        counts = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
        if not score or not counts:
            return None, 0, 1, out + result.stderr
        return score.group(0), int(counts.group(1)), int(counts.group(2)), out

    def remove(self):
        if os.path.exists(TREE):
            git("worktree", "remove", "--force", TREE, check=False)
            shutil.rmtree(TREE, ignore_errors=True)
        git("worktree", "prune", check=False)


def snapshot():
    """A commit of the working tree as it is now (uncommitted changes to
    tracked files included), so that `make test` checks what is on disk."""
    stash = git("stash", "create").stdout.strip()
    return stash or git("rev-parse", "HEAD").stdout.strip()


# ---------------------------------------------------------------- check


def check(selected, accel, verbose):
    """labs-check: for each lab, starter -> grade must fail something,
    starter + solution -> grade must pass everything. Prints one PASS/FAIL
    line per lab and stage and the `N passed, N failed` line."""
    tests = harness.Tests(None, None, accel)
    tree = Tree(snapshot())
    started = time.monotonic()
    try:
        for lab in selected or labs():
            tree.reset()
            solution = lab_file(lab, "solution.patch")
            if solution is None:
                tests.report(f"labs/{lab}/solution", False, f"labs/{lab}/solution.patch is missing")
                continue
            stages = [("starter", lab_file(lab, "starter.patch"), False), ("solution", solution, True)]
            for stage, patch, must_pass in stages:
                name = f"labs/{lab}/{stage}"
                problem = tree.apply(patch) if patch else None
                if problem:
                    tests.report(name, False, f"{os.path.relpath(patch, ROOT)} does not apply: {problem}")
                    break
                t0 = time.monotonic()
                problem = tree.build()
                if problem:
                    tests.report(name, False, f"does not build: {problem}")
                    break
                t1 = time.monotonic()
                score, passed, failed, out = tree.grade(lab, accel, verbose)
                t2 = time.monotonic()
                timing = f"build {t1 - t0:.0f} s, grade {t2 - t1:.1f} s"
                if score is None:
                    tests.report(name, False, f"the grader did not finish: {out[-800:]}")
                elif must_pass:
                    tests.report(name, failed == 0, f"{score}; {passed} passed, {failed} failed; {timing}"
                                 + ("" if failed == 0 else "\n" + failures(out)))
                else:
                    tests.report(name, failed > 0, f"{score}; {passed} passed, {failed} failed; {timing}"
                                 + ("" if failed else " (the grader passes a lab nobody has done)"))
    finally:
        tree.remove()
    print(f"labs-check took {time.monotonic() - started:.0f} s")
    return tests.summary()


def failures(output):
    return "\n".join(line for line in output.splitlines() if line.startswith("FAIL"))


# ---------------------------------------------------------------- batch


def submissions(sources):
    """(name, kind, what) for each patch file, directory of patches, or
    git branch named on the command line."""
    found = []
    for source in sources:
        if os.path.isdir(source):
            for path in sorted(glob.glob(os.path.join(source, "*.patch")) +
                               glob.glob(os.path.join(source, "*.diff"))):
                found.append((os.path.splitext(os.path.basename(path))[0], "patch", path))
        elif os.path.isfile(source):
            found.append((os.path.splitext(os.path.basename(source))[0], "patch", source))
        elif git("rev-parse", "--verify", "--quiet", source, check=False).returncode == 0:
            found.append((source, "branch", source))
        else:
            print(f"batch: {source}: not a patch, a directory or a branch", file=sys.stderr)
    return found


def batch(lab, sources, csv_path, base, accel, verbose):
    """Grades each submission with this repository's checks; writes a CSV
    row per submission: name, score, possible, passed, failed, note."""
    if lab not in labs():
        raise SystemExit(f"no lab '{lab}'; labs: {', '.join(labs())}")
    base = git("rev-parse", base).stdout.strip()
    tree = Tree(base)
    rows = []
    try:
        for name, kind, what in submissions(sources):
            tree.reset(what if kind == "branch" else base)
            note = tree.apply(what) if kind == "patch" else None
            score, passed, failed, possible = 0, 0, 0, 0
            if note is None:
                touched = tree.protect()
                note = f"ignored changes to {', '.join(touched)}" if touched else ""
                problem = tree.build()
                if problem:
                    note = f"does not build: {problem}"
                else:
                    line, passed, failed, out = tree.grade(lab, accel, verbose)
                    if line is None:
                        note = "the grader did not finish"
                    else:
                        score, possible = map(int, re.match(r"Score: (\d+)/(\d+)", line).groups())
            else:
                note = f"does not apply: {note.splitlines()[0]}"
            rows.append([name, score, possible, passed, failed, note])
            print(f"{name}: {score}/{possible} ({passed} passed, {failed} failed) {note}".rstrip(), flush=True)
    finally:
        tree.remove()
    with open(csv_path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "score", "possible", "passed", "failed", "note"])
        writer.writerows(rows)
    print(f"{len(rows)} submissions graded: {csv_path}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accel", default="tcg")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every grader line")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("start").add_argument("lab")
    commands.add_parser("check").add_argument("labs", nargs="*")
    batch_parser = commands.add_parser("batch")
    batch_parser.add_argument("lab")
    batch_parser.add_argument("sources", nargs="+", help="patch files, directories of them, or branches")
    batch_parser.add_argument("--csv", default="scores.csv")
    batch_parser.add_argument("--base", default="main", help="what patches apply to (default: main)")
    args = parser.parse_args()
    if args.command == "start":
        start(args.lab)
    elif args.command == "check":
        sys.exit(check(args.labs, args.accel, args.verbose))
    else:
        sys.exit(batch(args.lab, args.sources, args.csv, args.base, args.accel, args.verbose))


if __name__ == "__main__":
    main()
