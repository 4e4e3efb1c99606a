#!/usr/bin/env python3
"""The arm64 (Graviton) package: built with Debian's cross toolchain
(aarch64-linux-gnu-gcc through musl-dev:arm64's aarch64-linux-musl-gcc) when
the build has it (IVSVC_ARM64). Its zip holds the same entries as the x86_64
one; its bootstrap is one static aarch64 executable (ELF e_machine 183, no
program interpreter), reproducible byte for byte (repacked, and rebuilt in
another directory); run under qemu-user against the Runtime API harness with
moto's DynamoDB and the IVS simulator, it writes the same items and sends the
same metadata as test_handler.py asserts for x86_64 (its helpers). A package
whose architecture is not the configured one is refused before any AWS call,
either way round. A build without the arm64 package refuses
`architecture: arm64` with what to do.
"""
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

ARM_ZIP = os.path.join(ivstest.BUILD_DIR, "function-arm64.zip")
X86_ZIP = os.path.join(ivstest.BUILD_DIR, "function.zip")
ARM_BOOTSTRAP = os.path.join(ivstest.BUILD_DIR, "bootstrap-arm64")
SUB_BUILD = os.path.join(ivstest.BUILD_DIR, "bootstrap-static-aarch64")
PACK = os.path.join(ivstest.BUILD_DIR, "ivsvc-pack")
LICENSES = ["licenses/cjson.txt", "licenses/curl.txt", "licenses/musl.txt", "licenses/openssl.txt"]
EM_X86_64, EM_AARCH64 = 62, 183
QEMU = shutil.which("qemu-aarch64-static") or shutil.which("qemu-aarch64")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def build_cache(name, build=ivstest.BUILD_DIR):
    for line in read(os.path.join(build, "CMakeCache.txt")).decode().splitlines():
        if line.startswith(name + ":"):
            return line.split("=", 1)[1]
    return ""


def built_with_arm64():
    """The build was asked for arm64 and found the cross compiler."""
    cc = build_cache("IVSVC_AARCH64_MUSL_GCC")
    return build_cache("IVSVC_ARM64") == "ON" and cc and not cc.endswith("NOTFOUND")


def elf_machine(data):
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, data[:6]  # 64-bit LE
    return struct.unpack_from("<H", data, 18)[0]


def project(yaml_text):
    """A folder with ivsvc.yaml holding yaml_text."""
    d = tempfile.mkdtemp(prefix="ivsvc-arm-")
    with open(os.path.join(d, "ivsvc.yaml"), "w") as f:
        f.write(yaml_text)
    return d


# An endpoint nothing listens on: a refused request would show as a
# connection error, so "refused before any AWS call" is visible.
DEAD = "http://127.0.0.1:9"


def refused(args, yaml_text):
    d = project(yaml_text)
    try:
        return ivstest.run_ivsvc(args, env=ivstest.clean_env(DEAD), cwd=d, timeout=60)
    finally:
        shutil.rmtree(d)


def arm64_cases():
    @case
    def zip_holds_one_static_aarch64_bootstrap():
        with zipfile.ZipFile(ARM_ZIP) as z:
            assert z.namelist() == ["bootstrap"] + LICENSES, z.namelist()
            boot = z.read("bootstrap")
            assert (z.getinfo("bootstrap").external_attr >> 16) & 0o7777 == 0o755
        assert boot == read(ARM_BOOTSTRAP)
        assert elf_machine(boot) == EM_AARCH64
        assert elf_machine(read(os.path.join(ivstest.BUILD_DIR, "bootstrap"))) == EM_X86_64
        r = subprocess.run(["readelf", "-lW", ARM_BOOTSTRAP], capture_output=True, text=True, check=True)
        assert "AArch64" in subprocess.run(["readelf", "-hW", ARM_BOOTSTRAP], capture_output=True,
                                           text=True, check=True).stdout
        segments = [l.split()[0] for l in r.stdout.splitlines() if re.match(r"^\s+[A-Z_]+\s+0x", l)]
        assert "LOAD" in segments and "INTERP" not in segments and "DYNAMIC" not in segments, segments
        assert os.path.getsize(ARM_ZIP) < 2 * 1024 * 1024, os.path.getsize(ARM_ZIP)

    @case
    def arm64_zip_is_reproducible():
        d = tempfile.mkdtemp(prefix="ivsvc-arm-repro-")
        try:
            from runtime_api import unpack_package
            parts = unpack_package(ARM_ZIP, os.path.join(d, "parts"))
            args = [PACK, "--binary", os.path.join(parts, "bootstrap"), "--output", os.path.join(d, "a.zip")]
            for name in LICENSES:
                os.utime(os.path.join(parts, name))
                args += ["--file", "%s=%s" % (name, os.path.join(parts, name))]
            subprocess.run(args, check=True, capture_output=True)
            assert read(os.path.join(d, "a.zip")) == read(ARM_ZIP)
            # the cross build again in another directory: the same bytes
            other, out = os.path.join(d, "build"), os.path.join(d, "bootstrap")
            defs = ["-D%s=%s" % (k, build_cache(k, SUB_BUILD)) for k in
                    ("CMAKE_C_COMPILER", "IVS_SOURCE_ROOT", "IVS_LIST_FILE", "IVS_STATIC_DEPS")]
            subprocess.run(["cmake", "-S", os.path.join(ivstest.SOURCE_DIR, "cmake", "bootstrap"), "-B", other,
                            "-DCMAKE_SYSTEM_NAME=Linux", "-DCMAKE_SYSTEM_PROCESSOR=aarch64",
                            "-DCMAKE_BUILD_TYPE=Release", "-DIVS_OUTPUT=" + out, "-DIVS_WERROR=OFF"] + defs,
                           check=True, capture_output=True)
            subprocess.run(["cmake", "--build", other, "-j2"], check=True, capture_output=True, timeout=600)
            assert read(out) == read(ARM_BOOTSTRAP), "the rebuilt arm64 bootstrap differs"
        finally:
            shutil.rmtree(d)

    @case
    def tick_under_qemu_against_moto_and_the_simulator():
        assert QEMU, "qemu-aarch64-static not found (scripts/deps.d/arm64.sh installs qemu-user-static)"
        import test_handler as th  # its moto, simulator, table and checks
        from runtime_api import RuntimeApi, scheduled_event, start_function, unpack_package
        root = unpack_package(ARM_ZIP)
        try:
            e = th.env()
            chans = th.channels(30, 12, seed=3)
            table = th.new_table()
            with RuntimeApi() as rt:
                fn = start_function(root, rt, table=table, runner=[QEMU], extra={
                    "AWS_ENDPOINT_URL_DYNAMODB": e["moto"].url, "AWS_ENDPOINT_URL_IVS": e["sim"].url})
                try:
                    res = rt.invoke_and_wait(scheduled_event(th.MINUTE_ISO), timeout=180)
                    th.check_tick(res, chans, table)
                    # a second minute in the same process: a two-point history
                    live = [c for c in chans if c["live"]]
                    e["sim"].set_channel(live[0]["arn"], viewers=live[0]["viewers"] + 5)
                    res = rt.invoke_and_wait(scheduled_event("2026-11-24T18:08:05Z"), timeout=180)
                    assert res["kind"] == "response" and res["body"]["minute"] == "2026-11-24T18:08:00Z", res
                    assert res["body"]["itemsWritten"] == 30 and res["body"]["metadataSent"] == 12, res
                    md = e["sim"].metadata()
                    v0 = live[0]["viewers"]
                    assert [m["payload"] for m in md[live[0]["arn"]]] == [str(v0), "%d,%d" % (v0 + 5, v0)]
                    v1 = live[1]["viewers"]
                    assert [m["payload"] for m in md[live[1]["arn"]]] == [str(v1), "%d,%d" % (v1, v1)]
                    assert len(th.scan(table)) == 60
                finally:
                    fn.stop()
                    for p in (fn.stdout_path, fn.stderr_path):
                        os.unlink(p)
        finally:
            shutil.rmtree(root)
            th.close_env()

    @case
    def bootstrap_version_under_qemu():
        assert QEMU
        r = subprocess.run([QEMU, ARM_BOOTSTRAP, "--version"], capture_output=True, text=True, env={}, timeout=30)
        assert r.returncode == 0 and r.stderr == "", r
        assert re.search(r"^libcurl \S+ \(OpenSSL/3\.0\.\d+\) protocols: http https$", r.stdout, re.M), r.stdout
        assert re.search(r"^libc musl 1\.2\.\d+$", r.stdout, re.M), r.stdout


@case
def mismatch_is_refused_before_any_call():
    if os.path.exists(ARM_ZIP):
        r = refused(["deploy", "--yes", "--handler-zip", ARM_ZIP], "stack_name: ArmTest\n")
        assert r.returncode == 2, r
        assert "built for arm64 but the function is configured for x86_64" in r.stderr, r.stderr
        assert "architecture: arm64" in r.stderr and "127.0.0.1" not in r.stderr, r.stderr
    r = refused(["deploy", "--yes", "--handler-zip", X86_ZIP], "architecture: arm64\n")
    assert r.returncode == 2, r
    assert "built for x86_64 but the function is configured for arm64" in r.stderr, r.stderr
    # a script bootstrap (provided.al2023 has a shell) is for any architecture: not
    # refused for it (the call that follows fails on the dead endpoint instead)
    d = tempfile.mkdtemp(prefix="ivsvc-arm-")
    try:
        script = os.path.join(d, "script.zip")
        with zipfile.ZipFile(script, "w") as z:
            z.writestr("bootstrap", "#!/bin/sh\necho hi\n")
        r = refused(["deploy", "--yes", "--handler-zip", script], "architecture: arm64\n")
        assert r.returncode != 0 and "built for" not in r.stderr, r
    finally:
        shutil.rmtree(d)


if built_with_arm64():
    arm64_cases()
else:
    @case
    def arm64_refused_without_the_package():
        """This build has no arm64 package: architecture: arm64 says what to do."""
        assert not os.path.exists(ARM_ZIP) or build_cache("IVSVC_ARM64") != "ON"
        for cmd in (["synth"], ["deploy", "--yes"]):
            r = refused(cmd, "architecture: arm64\n")
            assert r.returncode == 2, r
            assert "built without the arm64 package" in r.stderr and "arm64.sh" in r.stderr, r.stderr


if __name__ == "__main__":
    main()
