#!/usr/bin/env python3
"""The Lambda package: `ivsvc package` writes the zip built into it, byte for
byte the build's function.zip, every time; the zip is reproducible, holds
bootstrap (0755), the handler, every library ldd names and the loader; the
unpacked bootstrap runs with only Lambda's variables and loads nothing from
the host's library folders.
"""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sim"))
import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, start_function, unpack_package  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
PACK = os.path.join(ivstest.BUILD_DIR, "ivsvc-pack")
HANDLER = os.path.join(ivstest.BUILD_DIR, "ivsvc-handler")


def read(path):
    with open(path, "rb") as f:
        return f.read()


@case
def package_command_writes_the_build_zip():
    d = tempfile.mkdtemp(prefix="ivsvc-pkg-")
    try:
        want = read(ZIP)
        sha = hashlib.sha256(want).hexdigest()
        out = os.path.join(d, "x.zip")
        for i in range(2):
            r = ivstest.run_ivsvc(["package", "--output", out], env=ivstest.clean_env(), cwd=d)
            assert r.returncode == 0, r
            assert read(out) == want, "run %d differs from the build's function.zip" % i
            assert out in r.stdout and sha in r.stdout and str(len(want)) in r.stdout, r.stdout
            if i == 1:
                assert "replacing" in r.stderr, r.stderr  # said it overwrote
        # default name in the current folder
        r = ivstest.run_ivsvc(["package"], env=ivstest.clean_env(), cwd=d)
        assert r.returncode == 0 and read(os.path.join(d, "function.zip")) == want, r
        # a folder is not a file name; a stray argument is a usage error
        r = ivstest.run_ivsvc(["package", "--output", d], env=ivstest.clean_env(), cwd=d)
        assert r.returncode == 2 and "folder" in r.stderr, r
        r = ivstest.run_ivsvc(["package", "x.zip"], env=ivstest.clean_env(), cwd=d)
        assert r.returncode == 2, r
        assert sorted(os.listdir(d)) == ["function.zip", "x.zip"], os.listdir(d)  # no temp left
    finally:
        shutil.rmtree(d)


@case
def zip_is_reproducible():
    d = tempfile.mkdtemp(prefix="ivsvc-pack-")
    try:
        a, b = os.path.join(d, "a.zip"), os.path.join(d, "b.zip")
        subprocess.run([PACK, "--binary", HANDLER, "--output", a], check=True, capture_output=True)
        os.utime(HANDLER)  # a newer mtime on the input must not matter
        subprocess.run([PACK, "--binary", HANDLER, "--output", b], check=True, capture_output=True,
                       env=dict(os.environ, TZ="Asia/Tokyo"))
        assert read(a) == read(b) == read(ZIP)
    finally:
        shutil.rmtree(d)


@case
def zip_layout_and_modes():
    with zipfile.ZipFile(ZIP) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        assert names == sorted(names), names
        by = {i.filename: i for i in infos}
        for i in infos:
            assert i.date_time == (1980, 1, 1, 0, 0, 0), (i.filename, i.date_time)
            assert i.create_system == 3, i.filename  # UNIX attributes
            assert (i.external_attr >> 16) & 0o170000 == 0o100000, i.filename  # regular file
        mode = lambda n: (by[n].external_attr >> 16) & 0o7777  # noqa: E731
        assert mode("bootstrap") == 0o755
        assert mode("bin/ivsvc-handler") == 0o755
        assert mode("lib/ld-linux-x86-64.so.2") == 0o755
        for lib in ("libc.so.6", "libcurl.so.4", "libcjson.so.1", "libcrypto.so.3", "libssl.so.3"):
            assert "lib/" + lib in by, lib
            assert mode("lib/" + lib) == 0o644
        script = z.read("bootstrap").decode()
        assert script.startswith("#!/bin/sh\n")
        assert ('exec "$LAMBDA_TASK_ROOT/lib/ld-linux-x86-64.so.2" --library-path '
                '"$LAMBDA_TASK_ROOT/lib" "$LAMBDA_TASK_ROOT/bin/ivsvc-handler" "$@"') in script
        assert z.read("bin/ivsvc-handler") == read(HANDLER)
    # every library ldd names for the handler is shipped
    r = subprocess.run(["ldd", HANDLER], capture_output=True, text=True, check=True)
    needed = set()
    for line in r.stdout.splitlines():
        line = line.strip()
        if "=>" in line and "/" in line.split("=>")[1]:
            needed.add(line.split("=>")[0].strip())
        elif line.startswith("/"):
            needed.add(os.path.basename(line.split()[0]))
    shipped = {n[4:] for n in names if n.startswith("lib/")}
    assert needed and needed == shipped, (needed ^ shipped)


@case
def unpacked_bootstrap_runs_with_only_lambda_variables():
    root = unpack_package(ZIP, tempfile.mkdtemp(prefix="ivsvc-task-"))
    try:
        with RuntimeApi() as rt:
            fn = start_function(root, rt, table=None)
            err = rt.wait_init_error(timeout=30)
            assert fn.wait(10) == 1
            os.unlink(fn.stdout_path)
            os.unlink(fn.stderr_path)
        assert err["body"]["errorType"] == "InvalidConfig" and "TABLE_NAME" in err["body"]["errorMessage"]
        # without LAMBDA_TASK_ROOT, started from elsewhere by a relative path
        with RuntimeApi() as rt:
            env = lambda_env(root, rt)
            del env["LAMBDA_TASK_ROOT"]
            other = tempfile.mkdtemp(prefix="ivsvc-cwd-")
            rel = os.path.relpath(os.path.join(root, "bootstrap"), other)
            p = subprocess.run([rel], env=env, cwd=other, capture_output=True, text=True, timeout=30)
            os.rmdir(other)
            assert p.returncode == 1, p
            assert rt.init_errors and rt.init_errors[0]["body"]["errorType"] == "InvalidConfig"
    finally:
        shutil.rmtree(root)


@case
def handler_loads_only_shipped_libraries():
    root = unpack_package(ZIP, tempfile.mkdtemp(prefix="ivsvc-task-"))
    try:
        with RuntimeApi() as rt:
            fn = start_function(root, rt, table="T")
            try:
                rt.wait_next(timeout=30)  # initialised, waiting for an event
                with open("/proc/%d/maps" % fn.proc.pid) as f:
                    maps = [line.split()[-1] for line in f if ".so" in line]
                exe = os.readlink("/proc/%d/exe" % fn.proc.pid)
            finally:
                fn.stop()
                os.unlink(fn.stdout_path)
                os.unlink(fn.stderr_path)
        real = os.path.realpath(root)
        assert maps, "no libraries mapped?"
        outside = sorted({m for m in maps if not os.path.realpath(m).startswith(real + "/")})
        assert outside == [], outside
        assert os.path.realpath(exe) == os.path.join(real, "lib", "ld-linux-x86-64.so.2"), exe
    finally:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
