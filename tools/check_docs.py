#!/usr/bin/env python3
"""Checks the book's code quotes without building it.

The book quotes code only through mdBook includes:

    {{#include ../../kernel/src/boot/pvh.rs:trampoline}}

This script checks, for every include in docs/src/*.md, that the file exists
(relative to the .md file) and, when an anchor is named, that the file has
both `ANCHOR: name` and `ANCHOR_END: name` lines. It also checks that every
chapter named in docs/src/SUMMARY.md exists.

It prints one line per broken include or missing chapter, then
`docs: N includes checked, M broken`, and exits 1 if anything is broken.

Usage: tools/check_docs.py [DOCS_SRC_DIR]   (default: docs/src)
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# {{#include path}}, {{#include path:anchor}}, {{#include path:10:20}}, and
# the same for rustdoc_include. A backslash before the braces escapes it.
INCLUDE = re.compile(r"(\\?)\{\{#(include|rustdoc_include)\s+([^}\s]+)\s*\}\}")
# [Title](file.md) in SUMMARY.md; drafts are written with an empty target.
SUMMARY_LINK = re.compile(r"\[[^\]]*\]\(([^)]*)\)")


def has_anchor(text, name):
    """Both anchor lines present, matching the name exactly (mdBook's rule:
    `ANCHOR:` then optional spaces then a name of word characters or '-')."""
    name = re.escape(name)
    start = re.search(r"ANCHOR:\s*" + name + r"(?![\w-])", text)
    end = re.search(r"ANCHOR_END:\s*" + name + r"(?![\w-])", text)
    return start is not None and end is not None


def check_includes(src_dir, file_cache):
    checked, broken = 0, []
    for name in sorted(os.listdir(src_dir)):
        if not name.endswith(".md"):
            continue
        md_path = os.path.join(src_dir, name)
        with open(md_path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for lineno, line in enumerate(lines, 1):
            for match in INCLUDE.finditer(line):
                if match.group(1):  # escaped: shown literally, not included
                    continue
                checked += 1
                target = match.group(3)
                path, _, anchor = target.partition(":")
                where = f"{os.path.relpath(md_path, ROOT)}:{lineno}"
                full = os.path.normpath(os.path.join(src_dir, path))
                if full not in file_cache:
                    try:
                        with open(full, encoding="utf-8") as f:
                            file_cache[full] = f.read()
                    except OSError:
                        file_cache[full] = None
                text = file_cache[full]
                if text is None:
                    broken.append(f"{where}: {target}: no such file {os.path.relpath(full, ROOT)}")
                    continue
                # A line range (`:10`, `:10:20`, `:10:`) needs no anchor.
                if anchor and not re.fullmatch(r"\d*(:\d*)?", anchor):
                    if not has_anchor(text, anchor):
                        broken.append(
                            f"{where}: {target}: no 'ANCHOR: {anchor}' / "
                            f"'ANCHOR_END: {anchor}' pair in {path}"
                        )
    return checked, broken


def check_summary(src_dir):
    summary = os.path.join(src_dir, "SUMMARY.md")
    if not os.path.exists(summary):
        return [f"{os.path.relpath(summary, ROOT)}: missing"]
    broken = []
    with open(summary, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            for match in SUMMARY_LINK.finditer(line):
                target = match.group(1).split("#")[0].strip()
                if not target:  # a draft chapter
                    continue
                if not os.path.exists(os.path.join(src_dir, target)):
                    broken.append(
                        f"{os.path.relpath(summary, ROOT)}:{lineno}: chapter {target} does not exist"
                    )
    return broken


def main():
    src_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "src"))
    checked, broken = check_includes(src_dir, {})
    broken += check_summary(src_dir)
    for line in broken:
        print(line)
    print(f"docs: {checked} includes checked, {len(broken)} broken")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
