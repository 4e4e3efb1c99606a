#!/usr/bin/env python3
"""package_bench - the Lambda packages of one build, per architecture:
  - zip size (what deploy uploads) and unpacked size (files, bytes);
  - the bootstrap's size, and the arm64/x86_64 size ratios;
  - cold start: process start to its first GET /invocation/next (median of
    --runs starts, nothing touched before /next, tests/sim/runtime_api.py).
    Natively for x86_64; the arm64 package only runs here under qemu-user,
    whose start-up is emulation, not Graviton's: it is printed apart and
    marked as such (--qemu-runs 0 skips it).
The 8.5 MB dynamic package the README compares with cannot be rebuilt, so
this prints absolute numbers of the current packages only.

    python3 bench/package_bench.py [--build build] [--runs 7] [--qemu-runs 3]
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))  # ivstest -> tests/sim

import ivstest  # noqa: E402,F401
from handler_bench import cold_starts  # noqa: E402
from runtime_api import RuntimeApi, start_function, unpack_package  # noqa: E402

PACKAGES = [("x86_64", "function.zip"), ("arm64", "function-arm64.zip")]


def sizes(zip_path):
    with zipfile.ZipFile(zip_path) as z:
        infos = z.infolist()
        boot = z.getinfo("bootstrap").file_size
    return {"zip": os.path.getsize(zip_path), "unpacked": sum(i.file_size for i in infos),
            "files": len(infos), "bootstrap": boot}


def qemu_cold_starts(root, runs, qemu):
    out = []
    for _ in range(runs):
        with RuntimeApi() as rt:
            fn = start_function(root, rt, table="Cold", runner=[qemu])
            try:
                out.append(rt.wait_next(timeout=60)[0] - fn.started)
            finally:
                fn.stop()
                os.unlink(fn.stdout_path)
                os.unlink(fn.stderr_path)
    return out


def ms(v):
    return "%.0f ms (min %.0f, max %.0f, n=%d)" % (statistics.median(v) * 1000, min(v) * 1000,
                                                   max(v) * 1000, len(v))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--qemu-runs", type=int, default=3)
    a = ap.parse_args()
    found = {arch: sizes(os.path.join(a.build, name)) for arch, name in PACKAGES
             if os.path.exists(os.path.join(a.build, name))}
    if "x86_64" not in found:
        sys.exit("package_bench: no %s/function.zip: build first" % a.build)
    print("| package | zip | unpacked | bootstrap | cold start to first /next (median) |")
    print("|---|---:|---:|---:|---|")
    for arch, name in PACKAGES:
        if arch not in found:
            print("| %s | not built | | | |" % arch)
            continue
        s = found[arch]
        root = unpack_package(os.path.join(a.build, name), tempfile.mkdtemp(prefix="ivsvc-bench-"))
        try:
            if arch == "x86_64":
                cold = ms(cold_starts(root, a.runs))
            else:
                qemu = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")
                cold = ("under qemu-user (emulated, not Graviton): " + ms(qemu_cold_starts(root, a.qemu_runs, qemu))
                        if qemu and a.qemu_runs > 0 else "not measured (needs Graviton)")
        finally:
            shutil.rmtree(root)
        print("| %s (%s) | %s bytes | %s bytes, %d files | %s bytes | %s |"
              % (arch, name, format(s["zip"], ","), format(s["unpacked"], ","), s["files"],
                 format(s["bootstrap"], ","), cold))
    if "arm64" in found:
        x, r = found["x86_64"], found["arm64"]
        print("\narm64 / x86_64: zip x%.2f, unpacked x%.2f, bootstrap x%.2f"
              % (r["zip"] / x["zip"], r["unpacked"] / x["unpacked"], r["bootstrap"] / x["bootstrap"]))


if __name__ == "__main__":
    main()
