#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One driver directory of this tree as the kernel tree carries it.

Usage: series-intree.py <top> <driver dir, relative to top> <output dir>

Called by scripts/series.sh for each driver.  Out of tree, the drivers build
for Linux 6.1 and 6.12 from one source: the kernel API differences sit in
include/xen-blk/ (compat.h), selected by XEN_BLK_KERNEL_6_12 from the
drivers' Makefiles, and NOSTDINC_FLAGS puts our include/ in front of the
kernel's.  In tree there is one kernel and no include/xen-blk/, so:

  - every file git tracks in the driver directory is written to the output
    directory; .c and .h files with their XEN_BLK_KERNEL_6_12 conditionals
    resolved for 6.12 (#if/#ifdef/#ifndef on the symbol, #else, #endif;
    anything else naming it is an error, and so is the symbol left in the
    output);
  - each header of include/xen-blk/ that those files include, directly or
    through another such header, is written beside them, resolved the same
    way, and the #include <xen-blk/name.h> lines become #include "name.h";
    a header that says "xen-blk-series: omit" in a comment is left out
    instead, with the lines that include it; from a header's copy go the
    structs and functions (with their comments) that the driver does not
    use, and the banner comments of sections that leaves empty;
  - Makefile and Kbuild keep every line but our out-of-tree flags (an
    assignment to NOSTDINC_FLAGS or one naming XEN_BLK_KERNEL_6_12) and the
    comment lines right above them; any other mention of our include/ is
    an error.

So a new header in include/xen-blk/, or a new object or per-file flag in a
driver's Makefile, reaches the series without a change here.
"""
import os
import re
import subprocess
import sys

SYM = "XEN_BLK_KERNEL_6_12"
OMIT = "xen-blk-series: omit"
INCLUDE = re.compile(r'^(\s*#\s*include\s*)<xen-blk/([A-Za-z0-9_.-]+)>(.*)$')
DIRECTIVE = re.compile(r"\s*#\s*(\w+)\s*(.*?)\s*$")


def fail(msg):
    sys.exit(f"series: {msg}")


def resolve(path, lines):
    """The lines of a C file with the SYM conditionals resolved for 6.12."""
    frames = []  # [ours, on] per open #if
    out = []
    for n, line in enumerate(lines, 1):
        d = DIRECTIVE.match(line)
        word, arg = (d.group(1), d.group(2)) if d else (None, "")
        visible = all(on for _, on in frames)
        if word in ("if", "ifdef", "ifndef"):
            ours = SYM in arg
            on = True
            if ours:
                on = {("if", SYM): True, ("if", "!" + SYM): False,
                      ("ifdef", SYM): True, ("ifndef", SYM): False}.get((word, arg))
                if on is None:
                    fail(f"{path}:{n}: cannot resolve '{line.strip()}'")
            frames.append([ours, on])
            if not ours and visible:
                out.append(line)
            continue
        if word in ("else", "elif", "endif"):
            if not frames:
                fail(f"{path}:{n}: unbalanced #{word}")
            ours = frames[-1][0]
            outer = all(on for _, on in frames[:-1])
            if ours and word == "elif":
                fail(f"{path}:{n}: #elif after {SYM}: not handled")
            if ours and word == "else":
                frames[-1][1] = not frames[-1][1]
            if not ours and outer:
                out.append(line)
            if word == "endif":
                frames.pop()
            continue
        if visible:
            out.append(line)
    if frames:
        fail(f"{path}: unterminated #if")
    return out


def squeeze(lines):
    """Runs of blank lines (what a dropped block leaves) made one."""
    out = []
    for line in lines:
        if line.strip() == "" and (not out or out[-1].strip() == ""):
            continue
        out.append(line)
    while out and out[-1].strip() == "":
        out.pop()
    return out


def c_file(top, path, lines, wanted):
    """A .c or .h file in tree; appends the xen-blk headers it needs to
    wanted, drops the lines that include an omitted one."""
    out = []
    for n, line in enumerate(resolve(path, lines), 1):
        m = INCLUDE.match(line)
        if m:
            name = m.group(2)
            hdr = os.path.join(top, "include", "xen-blk", name)
            if not os.path.isfile(hdr):
                fail(f"{path}: includes <xen-blk/{name}>, which include/xen-blk/ lacks")
            if OMIT in open(hdr).read():
                continue
            if name not in wanted:
                wanted.append(name)
            line = f'{m.group(1)}"{name}"{m.group(3)}\n'
        elif SYM in line and line.lstrip().startswith(("/*", "//")) and \
                line.rstrip().endswith("*/"):
            # a one-line comment about the out-of-tree symbol
            continue
        out.append(line)
    for n, line in enumerate(out, 1):
        if SYM in line:
            fail(f"{path}: '{line.strip()}' left in tree")
        if "xen-blk/" in line and "#include" in line:
            fail(f"{path}: '{line.strip()}' left in tree")
    return squeeze(out)


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def items(lines):
    """A header cut at the top level: (kind, name, lines) with kind "def"
    (a struct or function definition with the comments right above it,
    name what it defines), "banner" (a comment block standing alone) or
    "other"."""
    out = []
    i = 0
    while i < len(lines):
        start = i
        while i < len(lines) and lines[i].lstrip().startswith(("/*", "*", "*/")) and \
                not DIRECTIVE.match(lines[i]):
            i += 1
        if i > start and (i == len(lines) or lines[i].strip() == "" or
                          lines[i].lstrip().startswith("#")):
            out.append(("banner", None, lines[start:i]))
            continue
        if i == len(lines):
            break
        line = lines[i]
        if line.strip() == "" or DIRECTIVE.match(line):
            out.append(("other", None, lines[start:i + 1]))
            i += 1
            continue
        depth = 0
        code = ""
        while i < len(lines):
            code += lines[i]
            depth += lines[i].count("{") - lines[i].count("}")
            i += 1
            if depth == 0 and lines[i - 1].rstrip().endswith(("}", "};", ";")):
                break
        head = code.split("{", 1)[0]
        m = re.match(r"\s*struct\s+(\w+)\s*$", head) or \
            (re.search(r"\b(\w+)\s*\(", head) if "{" in code else None)
        out.append(("def" if m else "other", m.group(1) if m else None, lines[start:i]))
    return out


def prune(lines, used):
    """Drop the definitions nobody uses (used: identifiers of the driver),
    then the banners of the sections left empty."""
    its = items(lines)
    keep = {name for kind, name, _ in its if kind == "def" and name in used}
    grew = True
    while grew:
        grew = False
        for kind, name, body in its:
            if kind == "def" and name in keep:
                for w in IDENT.findall("".join(body)):
                    if w not in keep and any(n == w for k, n, _ in its if k == "def"):
                        keep.add(w)
                        grew = True
    its = [it for it in its if it[0] != "def" or it[1] in keep]
    out = []
    for n, (kind, name, body) in enumerate(its):
        if kind == "banner" and n > 1:
            rest = [k for k, _, b in its[n + 1:] if "".join(b).strip()]
            if not rest or rest[0] == "banner" or \
                    "".join(next(b for _, _, b in its[n + 1:] if "".join(b).strip())).lstrip().startswith("#"):
                continue
        out.extend(body)
    return squeeze(out)


def make_file(path, lines):
    """Makefile or Kbuild without our out-of-tree flags."""
    out = []
    for line in lines:
        if re.match(r"\s*NOSTDINC_FLAGS\s*[:+?]?=", line) or SYM in line:
            while out and out[-1].lstrip().startswith("#") and \
                    not out[-1].startswith("# SPDX"):
                out.pop()
            continue
        out.append(line)
    for line in out:
        if "../include" in line or "xen-blk/" in line:
            fail(f"{path}: '{line.strip()}' names this tree's include/")
    return squeeze(out)


def main():
    if len(sys.argv) != 4:
        fail("usage: series-intree.py <top> <driver dir> <output dir>")
    top, ddir, outdir = sys.argv[1:]
    files = subprocess.run(["git", "-C", top, "ls-files", "--", ddir],
                           check=True, capture_output=True, text=True).stdout.split()
    if not files:
        fail(f"no files tracked in {ddir}")
    os.makedirs(outdir, exist_ok=True)
    wanted = []
    written = set()

    def write(name, lines):
        if name in written:
            fail(f"{ddir}: two files named {name} in tree (one from include/xen-blk/)")
        written.add(name)
        with open(os.path.join(outdir, name), "w") as f:
            f.write("".join(lines))

    for rel in files:
        if os.path.dirname(rel) != ddir.rstrip("/"):
            fail(f"{rel}: subdirectories of a driver are not handled")
        name = os.path.basename(rel)
        path = os.path.join(top, rel)
        lines = open(path).readlines()
        if name.endswith((".c", ".h")):
            write(name, c_file(top, rel, lines, wanted))
        elif name in ("Makefile", "Kbuild"):
            write(name, make_file(rel, lines))
        else:
            write(name, lines)
    # the headers of include/xen-blk/, and the ones they include in turn,
    # each without what the driver does not use
    used = set()
    for name in written:
        used.update(IDENT.findall(open(os.path.join(outdir, name)).read()))
    headers = {}
    done = 0
    while done < len(wanted):
        name = wanted[done]
        done += 1
        rel = os.path.join("include", "xen-blk", name)
        headers[name] = c_file(top, rel, open(os.path.join(top, rel)).readlines(), wanted)
        used.update(IDENT.findall("".join(headers[name])))
    for name, lines in headers.items():
        others = set()
        for n2 in written:
            others.update(IDENT.findall(open(os.path.join(outdir, n2)).read()))
        for n2, l2 in headers.items():
            if n2 != name:
                others.update(IDENT.findall("".join(l2)))
        write(name, prune(lines, others))
    for name in wanted:
        print(f"{ddir}: include/xen-blk/{name} -> {name}")


main()
