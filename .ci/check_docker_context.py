#!/usr/bin/env python3
"""Builds Entitle's image the way `docker build` would, without a Docker engine.

Reads the Dockerfile itself (never a second copy of it): the build stage's ARG, WORKDIR, COPY
and RUN lines, and the runtime stage's packages and `COPY --from`. It lays the files the build
stage copies (honouring .dockerignore) into an empty folder, runs the build stage's commands
there, checks with ldd that the binary needs no library beyond what the runtime stage installs
(or a bare Ubuntu has), and runs that binary: `--version`, then `demo` to the end.

Usage: check_docker_context.py [--dockerfile PATH] [--keep] [--skip-run]
Exit 0 when the image's build stage would work and its binary runs; 1 with the reason otherwise.
"""

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

# Libraries every Ubuntu image has before the runtime stage installs anything (Debian's package
# names are the same): the C library and GCC's runtime.
BASE_PACKAGES = {"libc6", "libgcc-s1"}


class Stage:
    def __init__(self, image, name):
        self.image, self.name, self.instructions = image, name, []


def fail(message):
    print(f"docker context check: {message}", file=sys.stderr)
    sys.exit(1)


def instructions(text):
    """(keyword, arguments) per instruction: comments dropped, continuation lines joined."""
    joined, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    if pending:
        joined.append(pending)
    for line in joined:
        keyword, _, rest = line.partition(" ")
        yield keyword.upper(), rest.strip()


def stages(dockerfile):
    with open(dockerfile, encoding="utf-8") as handle:
        text = handle.read()
    result = []
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            result.append(Stage(words[0], name))
        elif result:
            result[-1].instructions.append((keyword, rest))
    if len(result) < 2:
        fail(f"{dockerfile} has {len(result)} stage(s); expected a build stage and a runtime stage")
    return result


def apt_packages(command):
    """The packages an `apt-get install` in a RUN line names."""
    packages = []
    for part in re.split(r"&&|;", command):
        words = shlex.split(part)
        if "apt-get" in words and "install" in words:
            after = words[words.index("install") + 1:]
            packages += [w for w in after if not w.startswith("-") and "=" not in w]
    return packages


def ignore_rules(context):
    """(exclude?, regex) per .dockerignore line, in order; the last rule matching a path wins."""
    path = os.path.join(context, ".dockerignore")
    rules = []
    if not os.path.exists(path):
        return rules
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            pattern = line.strip()
            if not pattern or pattern.startswith("#"):
                continue
            exclude = not pattern.startswith("!")
            pattern = pattern.lstrip("!").strip("/")
            pattern = os.path.normpath(pattern)
            regex, i = "", 0
            while i < len(pattern):
                if pattern.startswith("**", i):
                    regex += ".*"
                    i += 2
                    if pattern.startswith("/", i):
                        regex += "/?"
                        i += 1
                    continue
                char = pattern[i]
                regex += "[^/]*" if char == "*" else "[^/]" if char == "?" else re.escape(char)
                i += 1
            rules.append((exclude, re.compile(regex + "$")))
    return rules


def ignored(relative, rules):
    """Docker's rule: a pattern excludes a path when it matches the path or one of its parents."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    verdict = False
    for exclude, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            verdict = exclude
    return verdict


def copy_into(context, sources, destination, rules):
    """COPY <sources…> <destination>, as Docker lays it out (a folder's contents, not the folder)."""
    for source in sources:
        origin = os.path.normpath(os.path.join(context, source))
        if not os.path.exists(origin) or ignored(os.path.relpath(origin, context), rules):
            fail(f"COPY {source}: not in the build context (missing or excluded by .dockerignore)")
        if os.path.isfile(origin):
            target = destination
            if destination.endswith("/") or os.path.isdir(destination) or len(sources) > 1:
                target = os.path.join(destination, os.path.basename(origin))
            os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            shutil.copy2(origin, target)
            continue
        for folder, _, files in os.walk(origin):
            for name in files:
                path = os.path.join(folder, name)
                relative_to_context = os.path.relpath(path, context)
                if ignored(relative_to_context, rules):
                    continue
                target = os.path.join(destination, os.path.relpath(path, origin))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copy2(path, target)


def build(stage, context, root, environment):
    """Runs the build stage in `root`, which stands for its WORKDIR; returns that WORKDIR."""
    workdir = "/"
    for keyword, rest in stage.instructions:
        if keyword == "ARG":
            name, _, default = rest.partition("=")
            environment.setdefault(name.strip(), default.strip())
        elif keyword == "ENV":
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                environment[name] = value
        elif keyword == "WORKDIR":
            if workdir != "/":
                fail("the build stage sets WORKDIR twice; this check maps one WORKDIR to its folder")
            workdir = rest
        elif keyword == "COPY":
            words = shlex.split(rest)
            if any(w.startswith("--from") for w in words):
                continue
            words = [w for w in words if not w.startswith("--")]
            destination = inside(root, workdir, words[-1])
            copy_into(context, words[:-1], destination, ignore_rules(context))
        elif keyword == "RUN":
            packages = apt_packages(rest)
            if packages:
                missing = [p for p in packages if subprocess.run(
                    ["dpkg", "-s", p], capture_output=True).returncode != 0]
                if missing:
                    print(f"    installing the build stage's packages: {' '.join(missing)}")
                    if subprocess.run(["apt-get", "install", "-y", "-qq", *missing]).returncode != 0:
                        fail(f"apt-get install {' '.join(missing)} failed")
                continue
            print(f"    RUN {rest}", flush=True)
            if subprocess.run(["bash", "-c", rest], cwd=root, env=environment).returncode != 0:
                fail(f"the build stage's command failed: RUN {rest}")
    return workdir


def inside(root, workdir, path):
    """Where an image path of the build stage lies in `root` (which stands for its WORKDIR)."""
    absolute = os.path.normpath(path if os.path.isabs(path) else os.path.join(workdir, path))
    relative = os.path.relpath(absolute, workdir)
    if relative.startswith(".."):
        fail(f"{path} lies outside the build stage's WORKDIR {workdir}; keep the build's files under it")
    return os.path.join(root, relative)


def binary_path(runtime, builder, root, workdir):
    for keyword, rest in runtime.instructions:
        if keyword != "COPY":
            continue
        words = shlex.split(rest)
        if f"--from={builder}" in words:
            return inside(root, workdir, [w for w in words if not w.startswith("--")][0])
    fail(f"the runtime stage copies nothing from the {builder} stage")


def check_libraries(binary, runtime):
    installed = set(BASE_PACKAGES)
    for keyword, rest in runtime.instructions:
        if keyword == "RUN":
            installed |= set(apt_packages(rest))
    output = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if output.returncode != 0:
        fail(f"ldd {binary}: {output.stderr.strip() or output.stdout.strip()}")
    problems, seen = [], []
    for line in output.stdout.splitlines():
        line = line.strip()
        if "not found" in line:
            problems.append(f"{line} (not found)")
            continue
        match = re.search(r"=> (\S+)", line)
        if not match:
            continue  # the vDSO and the dynamic loader itself
        path = os.path.realpath(match.group(1))
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True)
        if owner.returncode != 0:
            owner = subprocess.run(["dpkg", "-S", match.group(1)], capture_output=True, text=True)
        package = owner.stdout.split(":")[0].strip() if owner.returncode == 0 else None
        seen.append(f"{os.path.basename(path)} ({package})")
        if package not in installed:
            problems.append(f"{match.group(1)} comes from {package or 'no package'}, which the runtime stage lacks")
    print("    needs: " + ", ".join(seen))
    if problems:
        fail("the binary needs libraries the runtime image does not have:\n  " + "\n  ".join(problems))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dockerfile", default="Dockerfile")
    parser.add_argument("--keep", action="store_true", help="keep the build folder and print it")
    parser.add_argument("--skip-run", action="store_true", help="build and check libraries only")
    arguments = parser.parse_args()
    context = os.getcwd()
    parsed = stages(arguments.dockerfile)
    builder_stage, runtime = parsed[0], parsed[-1]
    root = tempfile.mkdtemp(prefix="entitle-image-")
    try:
        environment = dict(os.environ)
        workdir = build(builder_stage, context, root, environment)
        binary = binary_path(runtime, builder_stage.name or "0", root, workdir)
        if not os.path.exists(binary):
            fail(f"the build stage made no {binary}")
        check_libraries(binary, runtime)
        if not arguments.skip_run:
            version = subprocess.run([binary, "--version"], capture_output=True, text=True)
            print(f"    entitle --version: {version.stdout.strip()}")
            if version.returncode != 0:
                fail("entitle --version failed")
            demo = subprocess.run([binary, "demo"], cwd=root, timeout=600)
            if demo.returncode != 0:
                fail(f"entitle demo exited {demo.returncode}")
        print("docker context check: the image's build stage works and its binary runs `entitle demo`")
    finally:
        if arguments.keep:
            print(f"    kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
