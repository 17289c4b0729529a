#!/usr/bin/env python3
"""Checks the documentation against the repository, as a reader who cloned it would meet it.

1. Every relative link in a Markdown file resolves to a file or folder of the repository, and
   every `#anchor` (in the same file or another Markdown file) names a heading there (GitHub's
   rule for heading ids).
2. Every `contract §N` cited in any tracked text file is a numbered section of docs/contract.md.
3. Nothing points outside the repository (a relative path up out of it into the folder of design
   notes beside it) or at issue numbers, which a person who clones the repository does not have.

Usage: check_docs.py (from the repository's root). Exit 0 when all hold; 1 listing each problem.
"""

import os
import re
import subprocess
import sys
import unicodedata

LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
CITATION = re.compile(r"contract (§\d+(?:\.\d+)*(?:(?:,\s*| and )§\d+(?:\.\d+)*)*)")
SECTION = re.compile(r"^#{1,6}\s+(\d+(?:\.\d+)*)[.\s]")
OUTSIDE = [
    (re.compile(r"\.\./" + "shared"), "a path outside the repository, into the design notes beside it"),
    (re.compile(r"\b(?:ARCHITECTURE|STACK-NOTES)\.md|\bSTYLE\.md"), "a design note outside the repository"),
    (re.compile(r"marketplace-contract\.md"), "the contract outside the repository (use docs/contract.md)"),
    (re.compile(r"(?i)\bissues? #\d+|\(#\d+[),]|\s#\d{1,3}\b(?![0-9a-fA-F]*;)"), "an issue number"),
]
TEXT_SUFFIXES = (".swift", ".py", ".sh", ".md", ".mustache", ".txt", ".yml", ".yaml", "run", "Dockerfile")


def tracked():
    output = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], capture_output=True, text=True, check=True).stdout
    return [path for path in output.split("\0") if path and os.path.exists(path)]


def slug(heading):
    """GitHub's heading id: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "-_ " or category[0] in "LN":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def without_code(text):
    """Markdown with fenced blocks and inline code blanked (links there are examples, not links)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced else re.sub(r"`[^`]*`", "", line))
    return lines


def anchors(path, cache={}):
    if path not in cache:
        ids, seen = set(), {}
        with open(path, encoding="utf-8") as handle:
            fenced = False
            for line in handle:
                if line.lstrip().startswith("```"):
                    fenced = not fenced
                    continue
                match = None if fenced else HEADING.match(line.rstrip("\n"))
                if match:
                    base = slug(match.group(2))
                    count = seen.get(base, 0)
                    seen[base] = count + 1
                    ids.add(base if count == 0 else f"{base}-{count}")
        cache[path] = ids
    return cache[path]


def check_links(files, problems):
    for path in [f for f in files if f.endswith(".md")]:
        with open(path, encoding="utf-8") as handle:
            lines = without_code(handle.read())
        for number, line in enumerate(lines, 1):
            for target in LINK.findall(line) + IMAGE.findall(line):
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue  # http:, https:, mailto:
                file_part, _, anchor = target.partition("#")
                resolved = os.path.normpath(os.path.join(os.path.dirname(path), file_part)) if file_part else path
                if resolved.startswith(".."):
                    problems.append(f"{path}:{number}: {target} leaves the repository")
                    continue
                if not os.path.exists(resolved):
                    problems.append(f"{path}:{number}: {target}: no such file")
                    continue
                if anchor:
                    if not resolved.endswith(".md"):
                        problems.append(f"{path}:{number}: {target}: an anchor into a file that is not Markdown")
                    elif anchor not in anchors(resolved):
                        problems.append(f"{path}:{number}: {target}: no heading #{anchor} in {resolved}")


def check_citations(files, problems):
    sections = set()
    with open("docs/contract.md", encoding="utf-8") as handle:
        for line in handle:
            match = SECTION.match(line)
            if match:
                sections.add(match.group(1))
    cited = 0
    for path in files:
        if not path.endswith(TEXT_SUFFIXES):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for group in CITATION.findall(line):
                for section in re.findall(r"§(\d+(?:\.\d+)*)", group):
                    cited += 1
                    if section not in sections:
                        problems.append(f"{path}:{number}: contract §{section} is not a section of docs/contract.md")
    return cited


def check_outside(files, problems):
    for path in files:
        if path == ".ci/check_docs.py" or not path.endswith(TEXT_SUFFIXES):
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(lines, 1):
            for pattern, what in OUTSIDE:
                if pattern.search(line):
                    problems.append(f"{path}:{number}: {what}: {line.strip()[:100]}")


def main():
    files = tracked()
    problems = []
    check_links(files, problems)
    cited = check_citations(files, problems)
    check_outside(files, problems)
    if problems:
        print("documentation check failed:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        sys.exit(1)
    markdown = len([f for f in files if f.endswith(".md")])
    print(f"documentation check: links and anchors of {markdown} Markdown files resolve; "
          f"{cited} contract citations name sections of docs/contract.md; nothing points outside")


if __name__ == "__main__":
    main()
