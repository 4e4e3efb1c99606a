#!/usr/bin/env python3
"""The Lambda package: `ivsvc package` writes the zip built into it, byte for
byte the build's function.zip, every time; the zip holds `bootstrap` (0755),
one static executable with no program interpreter and no dynamic section,
and the licences of what is linked into it, nothing else, under 2 MB; it is
reproducible (repacked from its parts, and the bootstrap rebuilt from the
sources in another directory, the bytes are the same); `bootstrap --version`
names the bundled libcurl (http and https only), OpenSSL, cJSON and musl; the
unpacked bootstrap runs with only Lambda's variables. That it needs nothing of
the host (no library, no libnss_*, no openssl.cnf) and runs a tick over TLS is
shown in an empty root by test_package_root.py.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import zipfile

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, start_function, unpack_package  # noqa: E402

ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
PACK = os.path.join(ivstest.BUILD_DIR, "ivsvc-pack")
BOOTSTRAP = os.path.join(ivstest.BUILD_DIR, "bootstrap")
SUB_BUILD = os.path.join(ivstest.BUILD_DIR, "bootstrap-static")
LICENSES = ["licenses/cjson.txt", "licenses/curl.txt", "licenses/musl.txt", "licenses/openssl.txt"]
MAX_ZIP = 2 * 1024 * 1024


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sub_build_cache(name):
    """A value from the musl sub-build's CMakeCache.txt."""
    for line in read(os.path.join(SUB_BUILD, "CMakeCache.txt")).decode().splitlines():
        if line.startswith(name + ":"):
            return line.split("=", 1)[1]
    raise AssertionError("%s not in the bootstrap sub-build's cache" % name)


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
def zip_layout_modes_and_size():
    size = os.path.getsize(ZIP)
    assert size < MAX_ZIP, "function.zip is %d bytes, over %d" % (size, MAX_ZIP)
    with zipfile.ZipFile(ZIP) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
        assert names == ["bootstrap"] + LICENSES, names
        for i in infos:
            assert i.date_time == (1980, 1, 1, 0, 0, 0), (i.filename, i.date_time)
            assert i.create_system == 3, i.filename  # UNIX attributes
            assert (i.external_attr >> 16) & 0o170000 == 0o100000, i.filename  # regular file
            want = 0o755 if i.filename == "bootstrap" else 0o644
            assert (i.external_attr >> 16) & 0o7777 == want, (i.filename, oct(i.external_attr >> 16))
            assert i.compress_type == zipfile.ZIP_DEFLATED, i.filename
        assert z.read("bootstrap") == read(BOOTSTRAP)
        assert b"Apache License" in z.read("licenses/openssl.txt")
        assert b"Daniel Stenberg" in z.read("licenses/curl.txt")


@case
def bootstrap_is_one_static_executable():
    r = subprocess.run(["readelf", "-lW", BOOTSTRAP], capture_output=True, text=True, check=True)
    segments = [line.split()[0] for line in r.stdout.splitlines() if re.match(r"^\s+[A-Z_]+\s+0x", line)]
    assert "LOAD" in segments, r.stdout
    assert "INTERP" not in segments and "DYNAMIC" not in segments, segments
    with open(BOOTSTRAP, "rb") as f:
        head = f.read(20)
    assert head[:4] == b"\x7fELF" and head[18:20] == (62).to_bytes(2, "little"), head  # EM_X86_64
    r = subprocess.run(["readelf", "-dW", BOOTSTRAP], capture_output=True, text=True, check=True)
    assert "There is no dynamic section" in r.stdout, r.stdout
    if shutil.which("file"):
        r = subprocess.run(["file", "-b", BOOTSTRAP], capture_output=True, text=True, check=True)
        assert "statically linked" in r.stdout, r.stdout
    # the packer refuses a dynamic executable: it would need a loader
    d = tempfile.mkdtemp(prefix="ivsvc-pack-")
    try:
        r = subprocess.run([PACK, "--binary", "/bin/sh", "--output", os.path.join(d, "x.zip")],
                           capture_output=True, text=True)
        assert r.returncode == 1 and "dynamically linked" in r.stderr, r
        assert os.listdir(d) == [], os.listdir(d)
    finally:
        shutil.rmtree(d)


@case
def bootstrap_version_names_the_bundled_libraries():
    r = subprocess.run([BOOTSTRAP, "--version"], capture_output=True, text=True, env={}, timeout=10)
    assert r.returncode == 0 and r.stderr == "", r
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    assert re.match(r"^\d+\.\d+\.\d+ \(OpenSSL/3\.0\.\d+\) protocols: http https$", lines["libcurl"]), r.stdout
    assert re.match(r"^OpenSSL 3\.0\.\d+ ", lines["openssl"]), r.stdout
    assert re.match(r"^\d+\.\d+\.\d+$", lines["cjson"]), r.stdout
    assert re.match(r"^musl 1\.2\.\d+$", lines["libc"]), r.stdout
    assert lines["ca"] == "bundle default: /etc/pki/tls/certs/ca-bundle.crt", r.stdout
    debian = lines["debian"]
    for lib in ("curl", "openssl", "cjson", "musl"):
        assert re.search(r"\b%s \d\S*-\S+" % lib, debian), (lib, debian)


@case
def zip_is_reproducible():
    d = tempfile.mkdtemp(prefix="ivsvc-pack-")
    try:
        # repacked from its own parts, with newer times on the inputs and
        # another TZ: the same bytes
        parts = unpack_package(ZIP, os.path.join(d, "parts"))
        for name in ["bootstrap"] + LICENSES:
            os.utime(os.path.join(parts, name))
        args = [PACK, "--binary", os.path.join(parts, "bootstrap"), "--output", os.path.join(d, "a.zip")]
        for name in reversed(LICENSES):
            args += ["--file", "%s=%s" % (name, os.path.join(parts, name))]
        subprocess.run(args, check=True, capture_output=True, env=dict(os.environ, TZ="Asia/Tokyo"))
        assert read(os.path.join(d, "a.zip")) == read(ZIP)
        # the bootstrap compiled again in another build directory: the same
        # bytes (no build path, time or id in the executable)
        other = os.path.join(d, "build")
        out = os.path.join(d, "bootstrap")
        subprocess.run(
            ["cmake", "-S", os.path.join(ivstest.SOURCE_DIR, "cmake", "bootstrap"), "-B", other,
             "-DCMAKE_C_COMPILER=" + sub_build_cache("CMAKE_C_COMPILER"), "-DCMAKE_BUILD_TYPE=Release",
             "-DIVS_SOURCE_ROOT=" + sub_build_cache("IVS_SOURCE_ROOT"),
             "-DIVS_LIST_FILE=" + sub_build_cache("IVS_LIST_FILE"),
             "-DIVS_STATIC_DEPS=" + sub_build_cache("IVS_STATIC_DEPS"),
             "-DIVS_OUTPUT=" + out, "-DIVS_WERROR=OFF"], check=True, capture_output=True)
        subprocess.run(["cmake", "--build", other, "-j2"], check=True, capture_output=True, timeout=600)
        assert read(out) == read(BOOTSTRAP), "the rebuilt bootstrap differs"
    finally:
        shutil.rmtree(d)


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


if __name__ == "__main__":
    main()
