#!/usr/bin/env python3
"""Checks that the book matches the code and renders as written.

The book quotes code only through mdBook includes,

    {{#include ../../kernel/src/boot/pvh.rs:trampoline}}

and names code in backticks in its prose. This script fails on anything
that would let the two drift apart or break the rendered page:

- an include whose file or `ANCHOR:` pair is missing, or that is not alone
  at column 0 inside a fenced code block (indented in a list item, it
  renders as a paragraph and swallows the rest of the section);
- an `ANCHOR:` in the code that no include uses;
- a chapter in SUMMARY.md that does not exist;
- the introduction's map of the source naming a path that does not exist,
  or leaving out a top-level directory or an entry of kernel/src;
- a backticked path (`kernel/src/fs/path.rs`, `net/`) that does not exist,
  or a backticked item (`ProcTable::switches`, `EMFILE`, `swtch`) with a
  name that appears nowhere in the code (outside the Exercises, and a lab
  handout's Grading and Challenges, which name what the student will
  write, and ELSEWHERE's names of other systems);
- words that date the text ("so far", "yet", "for now", "a later chapter"
  without a link): the prose says what the code does now;
- and, with the pinned mdbook (tools/setup.sh installs it), any warning
  while building the book, literal markdown (`## `, `**`, `{{#`, a fence)
  in the rendered HTML, text rendered as a code block, or an include whose
  code does not come out as one code block.

It prints one line per problem, then `docs: N includes, N names checked,
M problems`, and exits 1 if there are problems.

Usage: tools/check_docs.py [--no-build]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from html import unescape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "docs", "src")

# {{#include path}}, {{#include path:anchor}}, {{#include path:10:20}}, and
# the same for rustdoc_include. A backslash before the braces escapes it.
INCLUDE = re.compile(r"(\\?)\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
SUMMARY_LINK = re.compile(r"\[[^\]]*\]\(([^)]*)\)")
ANCHOR = re.compile(r"ANCHOR:\s*([\w-]+)")
FENCE = re.compile(r"^\s*(```|~~~)")
# Words that tie the text to a moment in the project's history.
DATING = re.compile(r"\b(so far|yet|for now|currently|at present)\b", re.I)
LATER_CHAPTER = re.compile(r"\b(a|the) (later|future|coming|next) chapters?\b", re.I)
# A backticked Rust-like name: `a::b::C`, `name()`, `CONST`, `Type`.
ITEM = re.compile(r"^(?:[A-Za-z_]\w*::)*[A-Za-z_]\w*(?:\(\))?$")
# A backticked repository path: ends in a known extension or a slash.
PATH = re.compile(r"^[\w.\-/]+(\.(rs|py|md|S|ld|toml|sh|c|conf|html|css|svg|json)|/)$")
CODE_FILES = re.compile(r"(\.(rs|py|S|ld|toml|sh|c|conf|css|html|svg)|Makefile|gdbinit|qemu-status)$")

# Names from outside this repository that the prose compares with: other
# kernels' files and calls, specifications' field names, instructions and
# registers as the manuals spell them, debugger commands.
ELSEWHERE = {
    "kalloc.c", "console.c", "hw/net/e1000.c",  # xv6, QEMU
    "p_paddr", "MemSiz", "FileSiz",  # the ELF specification
    "Repr",  # smoltcp
    "O_EXCL", "epoll", "io_uring", "sock_read", "htons", "MSG_PEEK", "MSG_TRUNC",  # POSIX, Linux
    "sendfile", "tcp_timewait_sock", "flush_queue_timer", "NO_HZ_IDLE",  # Linux, QEMU
    "MCFG", "LINT0", "CR2", "invlpg", "sti",  # ACPI, the SDM
    "stepi",  # gdb
}


# Sections that name what the student will write: a chapter's exercises,
# and a lab handout's exercises, grading table and challenges.
WRITTEN_BY_STUDENTS = {"Exercises", "Grading", "Challenges"}


def tracked_files():
    out = subprocess.run(["git", "ls-files"], cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True).stdout
    return [f for f in out.splitlines() if os.path.exists(os.path.join(ROOT, f))]


def chapters():
    """(name relative to docs/src, lines) of every chapter, the labs'
    handouts (docs/src/labs/) included."""
    for folder in ["", "labs"]:
        for name in sorted(os.listdir(os.path.join(SRC, folder))):
            if name.endswith(".md"):
                with open(os.path.join(SRC, folder, name), encoding="utf-8") as f:
                    yield os.path.join(folder, name), f.read().splitlines()


def prose_lines(lines):
    """(line number, text) of the lines outside fenced code blocks."""
    fenced = False
    for lineno, line in enumerate(lines, 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            yield lineno, line


class Checker:
    def __init__(self):
        self.problems = []
        self.files = tracked_files()
        self.cache = {}
        self.used_anchors = set()  # (repository path, anchor)
        self.includes = {}  # chapter -> number of includes
        self.included = {}  # chapter -> [(where, non-empty lines the include brings in)]
        self.names_checked = 0

    def problem(self, where, text):
        self.problems.append(f"{where}: {text}")

    def read(self, path):
        if path not in self.cache:
            try:
                with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                    self.cache[path] = f.read()
            except (OSError, UnicodeDecodeError):
                self.cache[path] = None
        return self.cache[path]

    def check_includes(self):
        for chapter, lines in chapters():
            fence_open = None  # line number of the fence we are inside
            for lineno, line in enumerate(lines, 1):
                where = f"docs/src/{chapter}:{lineno}"
                if FENCE.match(line):
                    fence_open = None if fence_open else (lineno, line)
                    continue
                for match in INCLUDE.finditer(line):
                    if match.group(1):  # escaped: shown literally
                        continue
                    self.includes[chapter] = self.includes.get(chapter, 0) + 1
                    quoted = self.quoted_lines(match.group(3))
                    if quoted:
                        self.included.setdefault(chapter, []).append((where, quoted))
                    if line != match.group(0) or fence_open is None or fence_open[1] != fence_open[1].lstrip():
                        self.problem(where, "an include must stand alone at column 0 inside a fenced code block "
                                            "at column 0 (indented in a list item it renders as a paragraph)")
                    self.check_target(where, match.group(3))

    def quoted_lines(self, target):
        """The non-empty lines an include brings in (mdBook's rule: the
        lines between the anchor's markers, less any marker lines)."""
        path, _, anchor = target.partition(":")
        text = self.read(os.path.relpath(os.path.normpath(os.path.join(SRC, path)), ROOT))
        if text is None:
            return None
        lines = text.splitlines()
        if anchor and not re.fullmatch(r"\d*(:\d*)?", anchor):
            name = re.escape(anchor)
            start = [i for i, l in enumerate(lines) if re.search(r"ANCHOR:\s*" + name + r"(?![\w-])", l)]
            end = [i for i, l in enumerate(lines) if re.search(r"ANCHOR_END:\s*" + name + r"(?![\w-])", l)]
            if not start or not end:
                return None
            lines = lines[start[0] + 1:end[0]]
        elif anchor:
            return None  # a line range: not used by this book
        return [l for l in lines if l.strip() and "ANCHOR" not in l] or None

    def check_target(self, where, target):
        path, _, anchor = target.partition(":")
        full = os.path.relpath(os.path.normpath(os.path.join(SRC, path)), ROOT)
        text = self.read(full)
        if text is None:
            self.problem(where, f"{target}: no such file {full}")
            return
        if anchor and not re.fullmatch(r"\d*(:\d*)?", anchor):  # a line range needs no anchor
            self.used_anchors.add((full, anchor))
            name = re.escape(anchor)
            if not (re.search(r"ANCHOR:\s*" + name + r"(?![\w-])", text)
                    and re.search(r"ANCHOR_END:\s*" + name + r"(?![\w-])", text)):
                self.problem(where, f"{target}: no 'ANCHOR: {anchor}' / 'ANCHOR_END: {anchor}' pair in {full}")

    def check_unused_anchors(self):
        for path in self.files:
            if path.startswith("docs/") or not CODE_FILES.search(path) or path == "tools/check_docs.py":
                continue
            text = self.read(path) or ""
            for lineno, line in enumerate(text.splitlines(), 1):
                for match in ANCHOR.finditer(line):
                    if (path, match.group(1)) not in self.used_anchors:
                        self.problem(f"{path}:{lineno}", f"anchor '{match.group(1)}' is not included by the book")

    def check_summary(self):
        with open(os.path.join(SRC, "SUMMARY.md"), encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for match in SUMMARY_LINK.finditer(line):
                    target = match.group(1).split("#")[0].strip()
                    if target and not os.path.exists(os.path.join(SRC, target)):
                        self.problem(f"docs/src/SUMMARY.md:{lineno}", f"chapter {target} does not exist")

    def code_words(self):
        """Every identifier-like word in the code, and every file and
        directory name (a program is named by its file: `wget`)."""
        words = set()
        for path in self.files:
            parts = path.split("/")
            words.update(parts)
            words.update(os.path.splitext(p)[0] for p in parts)
            if CODE_FILES.search(path) or "/" not in path:
                words.update(re.findall(r"[A-Za-z_]\w*", self.read(path) or ""))
        return words

    def path_exists(self, span):
        span = span.rstrip("/")
        if span.split("/")[0] in ("build", "target", ".tools") or span.startswith("docs/book"):
            return True  # made by the build (make, cargo, make docs)
        if os.path.exists(os.path.join(ROOT, span)):
            return True
        # Relative to its subsystem (`proc/fork.rs`, `bin/httpd/`).
        return any(f.endswith("/" + span) or ("/" + span + "/") in f for f in self.files)

    def check_names(self):
        words = self.code_words() | ELSEWHERE
        for chapter, lines in chapters():
            section = ""
            for lineno, line in prose_lines(lines):
                where = f"docs/src/{chapter}:{lineno}"
                if line.startswith("## "):
                    section = line[3:].strip()
                if section in WRITTEN_BY_STUDENTS:
                    continue
                for span in re.findall(r"`([^`]+)`", line):
                    if PATH.match(span) and "://" not in span and not span.startswith("/"):
                        self.names_checked += 1
                        if not self.path_exists(span) and span not in ELSEWHERE:
                            self.problem(where, f"`{span}`: no such file or directory in the repository")
                    elif ITEM.match(span):
                        self.names_checked += 1
                        missing = [w for w in re.findall(r"\w+", span) if w not in words and span not in words]
                        if missing:
                            self.problem(where, f"`{span}`: {', '.join(missing)} appears nowhere in the code")

    def check_source_map(self):
        """The introduction's map of the source: every path in it exists,
        and it names every directory at the top and every entry of
        kernel/src."""
        lines = dict(chapters())["introduction.md"]
        start = lines.index("## A map of the source")
        first = next(i for i in range(start, len(lines)) if lines[i].startswith("```"))
        end = next(i for i in range(first + 1, len(lines)) if lines[i].startswith("```"))
        stack, named = [], set()
        for lineno in range(first + 1, end):
            line = lines[lineno]
            where = f"docs/src/introduction.md:{lineno + 1}"
            indent = len(line) - len(line.lstrip())
            token = line.split()[0] if line.strip() else ""
            if indent < 20 and token:  # a name (descriptions start at column 20)
                depth = indent // 2
                stack = stack[:depth] + [token.rstrip("/")]
                path = "/".join(stack)
                named.add(path)
                if not os.path.exists(os.path.join(ROOT, path)):
                    self.problem(where, f"the map names {path}, which does not exist")
            directory = "/".join(stack if token.endswith("/") or indent >= 20 else stack[:-1])
            for name in re.findall(r"\b[\w-]+\.(?:rs|ld)\b", line[20:]):
                if not os.path.exists(os.path.join(ROOT, directory, name)):
                    self.problem(where, f"the map names {directory}/{name}, which does not exist")
        tops = {f.split("/")[0] for f in self.files if "/" in f and not f.startswith(".")}
        kernel = {"kernel/src/" + e for e in os.listdir(os.path.join(ROOT, "kernel/src"))}
        for path in sorted((tops | kernel) - named):
            self.problem("docs/src/introduction.md", f"the map of the source leaves out {path}")

    def check_dating(self):
        for chapter, lines in chapters():
            for lineno, line in prose_lines(lines):
                text = re.sub(r"`[^`]*`", "", line)
                where = f"docs/src/{chapter}:{lineno}"
                for match in DATING.finditer(text):
                    self.problem(where, f"'{match.group(0)}' dates the text: say what the code does now")
                for match in LATER_CHAPTER.finditer(text):
                    if "](" not in text:
                        self.problem(where, f"'{match.group(0)}' without a link to it")

    def check_build(self, mdbook):
        if not os.path.exists(mdbook):
            self.problem("docs", f"{mdbook} is missing: run tools/setup.sh --docs")
            return
        with tempfile.TemporaryDirectory() as out:
            proc = subprocess.run([mdbook, "build", "-d", out, os.path.join(ROOT, "docs")], cwd=ROOT,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for line in proc.stdout.splitlines():
                if re.search(r"\b(WARN|ERROR|warning|error)\b", line):
                    self.problem("mdbook", line.strip())
            if proc.returncode != 0:
                self.problem("mdbook", f"exited {proc.returncode}")
                return
            for chapter, _ in chapters():
                if chapter == "SUMMARY.md":
                    continue
                page = os.path.join(out, chapter[:-3] + ".html")
                if not os.path.exists(page):
                    self.problem(f"docs/src/{chapter}", "not rendered (is it in SUMMARY.md?)")
                    continue
                with open(page, encoding="utf-8") as f:
                    self.check_rendered(chapter, f.read())

    def check_rendered(self, chapter, html):
        main = re.search(r"<main>(.*)</main>", html, re.S)
        body = main.group(1) if main else html
        # Every fenced block in the source names its language, so a code
        # block without one is text that fell into a code block (what
        # follows an indented include does).
        blocks = [(attrs, unescape(re.sub(r"<[^>]+>", "", code))) for attrs, code in
                  re.findall(r"<pre><code([^>]*)>(.*?)</code></pre>", body, re.S)]
        for attrs, code in blocks:
            if "language-" not in attrs:
                self.problem(f"docs/src/{chapter}", f"text rendered as a code block: {code.strip()[:80]!r}")
        for where, lines in self.included.get(chapter, []):
            first, last = lines[0].strip(), lines[-1].strip()
            if not any(first in code and last in code for _, code in blocks):
                self.problem(where, f"the included code does not render as one code block (from {first!r} "
                                    f"to {last!r})")
        text = re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>", "", body, flags=re.S)
        for pattern, what in [(r"(^|>)\s*#{1,6} ", "a heading"), (r"\*\*", "bold"), (r"\{\{#", "an include"),
                              (r"```", "a code fence")]:
            for match in re.finditer(pattern, text, re.M):
                context = re.sub(r"<[^>]+>", "", text[match.start():match.start() + 80]).strip()
                self.problem(f"docs/src/{chapter}", f"literal markdown ({what}) in the HTML: {context!r}")


def mdbook_path():
    """The mdbook that tools/setup.sh installs: .tools/mdbook-VERSION."""
    with open(os.path.join(ROOT, "tools/setup.sh")) as f:
        version = re.search(r"^MDBOOK_VERSION=(\S+)", f.read(), re.M).group(1)
    return os.path.join(ROOT, ".tools", f"mdbook-{version}", "bin", "mdbook")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-build", action="store_true", help="skip building the book")
    args = parser.parse_args()
    checker = Checker()
    checker.check_includes()
    checker.check_unused_anchors()
    checker.check_summary()
    checker.check_names()
    checker.check_source_map()
    checker.check_dating()
    if not args.no_build:
        checker.check_build(mdbook_path())
    for line in checker.problems:
        print(line)
    print(f"docs: {sum(checker.includes.values())} includes, {checker.names_checked} names checked, "
          f"{len(checker.problems)} problems")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main())
