#!/usr/bin/env python3
"""shape.py - checks the code's shape targets (issue 9): no file in src/ or
lambda/ over 600 lines, no C function over 80 lines, no include cycle among
the project's headers. Prints each offence; exits 1 when there is one."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIRS = ("src", "lambda")
MAX_FILE, MAX_FUNC = 600, 80


def c_files():
    for d in DIRS:
        for base, _, names in os.walk(os.path.join(ROOT, d)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    yield os.path.join(base, n)


def long_functions(path, lines):
    """A function starts at a line that opens at column 0 with '{' after a
    signature, and ends at the next line that is exactly '}'."""
    out = []
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{") and start is None:
            j = i - 1
            while j > 0 and lines[j].strip() and not lines[j].rstrip().endswith((";", "}")) \
                    and not re.match(r"^[A-Za-z_].*\(", lines[j]):
                j -= 1
            start = (i, lines[j].strip())
        elif line.rstrip() == "}" and start is not None:
            n = i - start[0] + 1
            if n > MAX_FUNC:
                out.append((start[0] + 1, n, start[1]))
            start = None
    return out


def includes(path, text):
    return [m for m in re.findall(r'^#include\s+"([^"]+)"', text, re.M)]


def main():
    bad = 0
    graph = {}
    for p in c_files():
        rel = os.path.relpath(p, ROOT)
        with open(p, encoding="utf-8", errors="replace") as f:
            text = f.read()
        lines = text.split("\n")
        if len(lines) - 1 > MAX_FILE:
            print(f"{rel}: {len(lines) - 1} lines (at most {MAX_FILE})")
            bad += 1
        for line, n, sig in long_functions(p, lines):
            print(f"{rel}:{line}: function of {n} lines (at most {MAX_FUNC}): {sig[:70]}")
            bad += 1
        # Headers: resolve "x.h" against the file's folder, then src/.
        if p.endswith(".h") or p.endswith(".c"):
            deps = []
            for inc in includes(p, text):
                for cand in (os.path.join(os.path.dirname(p), inc), os.path.join(ROOT, "src", inc),
                             os.path.join(ROOT, inc)):
                    if os.path.exists(cand):
                        deps.append(os.path.relpath(os.path.normpath(cand), ROOT))
                        break
            graph[rel] = deps
    # Module graph: a .c and its .h are one module; a cycle between modules is an offence.
    mod = lambda f: os.path.splitext(f)[0]
    mg = {}
    for f, deps in graph.items():
        mg.setdefault(mod(f), set()).update(mod(d) for d in deps if mod(d) != mod(f))
    seen, stack, cycles = set(), [], set()

    def visit(m):
        if m in stack:
            cyc = stack[stack.index(m):]
            k = min(range(len(cyc)), key=lambda i: cyc[i])
            cycles.add(" -> ".join(cyc[k:] + cyc[:k] + [cyc[k]]))
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for d in sorted(mg.get(m, ())):
            visit(d)
        stack.pop()

    for m in sorted(mg):
        visit(m)
    for c in sorted(cycles):
        print(f"include cycle: {c}")
        bad += 1
    print(f"shape: {bad} offence(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
