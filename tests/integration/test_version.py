#!/usr/bin/env python3
"""`ivsvc version --verbose`: the versions of the libraries the CLI runs with
(each equal to what pkg-config says the system has), then, per embedded
package, what its bootstrap bundles: the libcurl, OpenSSL and cJSON versions
equal the ones pinned at the top of scripts/static-deps.sh, the Debian source
line names exactly those pins (and the installed musl-dev), and for x86_64 the
lines are the ones `bootstrap --version` itself prints (the CLI reads them
from what the build embedded; it never runs a package). The arm64 section is
there exactly when the build made function-arm64.zip.
"""
import os
import re
import subprocess

import ivstest  # noqa: E402
from ivstest import case, main  # noqa: E402

PACKAGES = {"x86_64": "function.zip", "arm64": "function-arm64.zip"}
DEB_ARCH = {"x86_64": "amd64", "arm64": "arm64"}


def pins():
    """The versions scripts/static-deps.sh pins."""
    with open(os.path.join(ivstest.SOURCE_DIR, "scripts", "static-deps.sh")) as f:
        text = f.read()
    out = {}
    for name in ("OPENSSL", "CURL", "CJSON"):
        m = re.search(r'^%s_VERSION="([^"]+)"$' % name, text, re.M)
        assert m, name
        out[name.lower()] = m.group(1)
    return out


def upstream(debian_version):
    """3.0.20-1~deb12u2 -> 3.0.20"""
    return debian_version.split(":")[-1].rsplit("-", 1)[0]


def verbose():
    r = ivstest.run_ivsvc(["version", "--verbose"], env=ivstest.clean_env())
    assert r.returncode == 0 and r.stderr == "", r
    sections, current = {}, None
    for line in r.stdout.splitlines()[1:]:
        if line.startswith("  "):
            sections[current].append(line[2:])
        else:
            current = line
            sections[current] = []
    return r.stdout, sections


def section(sections, prefix):
    found = [k for k in sections if k.startswith(prefix)]
    assert len(found) == 1, (prefix, list(sections))
    return found[0], sections[found[0]]


def pkg_config(module):
    return subprocess.run(["pkg-config", "--modversion", module], capture_output=True, text=True,
                          check=True).stdout.strip()


@case
def cli_libraries_are_the_systems():
    out, sections = verbose()
    assert re.match(r"^ivsvc \d+\.\d+\.\d+$", out.splitlines()[0]), out
    _, libs = section(sections, "libraries of this ivsvc")
    assert libs[0].startswith("libcurl/%s " % pkg_config("libcurl")), libs
    assert re.match(r"^openssl OpenSSL %s " % re.escape(pkg_config("libcrypto")), libs[1]), libs
    assert libs[2:] == ["libxml2 " + pkg_config("libxml-2.0"), "libyaml " + pkg_config("yaml-0.1"),
                        "cjson " + pkg_config("libcjson"), "libzip " + pkg_config("libzip")], libs


@case
def package_versions_are_the_pinned_ones():
    p = pins()
    _, sections = verbose()
    seen = 0
    for arch, zip_name in PACKAGES.items():
        zip_path = os.path.join(ivstest.BUILD_DIR, zip_name)
        if not os.path.exists(zip_path):
            assert "package %s: not in this build" % arch in sections, (arch, list(sections))
            continue
        seen += 1
        head, lines = section(sections, "package %s " % arch)
        assert "(%d bytes;" % os.path.getsize(zip_path) in head, head
        musl = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "musl-dev:" + DEB_ARCH[arch]],
                              capture_output=True, text=True, check=True).stdout
        assert lines == [
            "architecture " + ("aarch64" if arch == "arm64" else "x86_64"),
            "libcurl %s (OpenSSL/%s) protocols: http https" % (upstream(p["curl"]), upstream(p["openssl"])),
            lines[2],  # the OpenSSL release date: checked below
            "cjson " + upstream(p["cjson"]),
            "libc musl " + upstream(musl),
            "debian sources: curl %s, openssl %s, cjson %s, musl %s" % (p["curl"], p["openssl"], p["cjson"], musl),
        ], lines
        assert re.match(r"^openssl OpenSSL %s \d+ \w+ \d{4}$" % re.escape(upstream(p["openssl"])), lines[2]), lines
    assert seen >= 1


@case
def x86_lines_are_what_bootstrap_prints():
    """The embedded text is the bootstrap's own --version (the host can run x86_64)."""
    _, sections = verbose()
    _, lines = section(sections, "package x86_64 ")
    r = subprocess.run([os.path.join(ivstest.BUILD_DIR, "bootstrap"), "--version"], capture_output=True,
                       text=True, env={}, timeout=10, check=True)
    printed = [l for l in r.stdout.splitlines() if not l.startswith(("ivsvc-handler ", "ca bundle "))]
    assert printed == lines[1:], (printed, lines)


@case
def version_takes_only_verbose():
    r = ivstest.run_ivsvc(["version"], env=ivstest.clean_env())
    assert r.returncode == 0 and re.match(r"^ivsvc \d+\.\d+\.\d+\n$", r.stdout), r
    r = ivstest.run_ivsvc(["version", "--verbos"], env=ivstest.clean_env())
    assert r.returncode == 2 and "--verbose" in r.stderr, r


if __name__ == "__main__":
    main()
