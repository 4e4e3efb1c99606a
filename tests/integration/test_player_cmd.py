"""integration.player_cmd - `ivsvc player` against moto's IVS: finds the
channel by name or ARN, writes the embedded page with a config.json naming the
channel's playback URL, refuses folders that are not its own, and fails with
one line naming a channel that does not exist.
"""
import json
import os
import tempfile

import ivstest
from ivstest import case

PAGE_FILES = ["index.html", "style.css", "src/main.js", "src/config.js", "src/render.js",
              "src/viewers.js", ".ivsvc-player"]
SDK_FILES = ["vendor/amazon-ivs-player.min.js", "vendor/amazon-ivs-wasmworker.min.js",
             "vendor/amazon-ivs-wasmworker.min.wasm"]

moto = None
ivs = None


def env():
    return ivstest.clean_env(endpoint=moto.url)


def create_channel(name):
    return ivs.create_channel(name=name)["channel"]


def out_dir():
    return os.path.join(tempfile.mkdtemp(prefix="ivsvc-player-"), "page")


def player(*args):
    return ivstest.run_ivsvc(["player"] + list(args), env=env(), timeout=60)


def read_config(d):
    with open(os.path.join(d, "config.json")) as f:
        return json.load(f)


def assert_page(d, ch, r):
    assert r.returncode == 0, "exit %d: %s" % (r.returncode, r.stderr)
    for f in PAGE_FILES:
        assert os.path.isfile(os.path.join(d, f)), "%s not written" % f
    conf = read_config(d)
    assert conf["playbackUrl"] == ch["playbackUrl"], conf
    assert conf["channelName"] == ch["name"], conf
    assert conf["channelArn"] == ch["arn"], conf
    assert os.path.realpath(d) in r.stdout, r.stdout
    with open(os.path.join(d, "index.html")) as f, \
            open(os.path.join(ivstest.SOURCE_DIR, "web", "index.html")) as g:
        assert f.read() == g.read(), "index.html is not the page in web/"
    if "without the IVS Player SDK" not in r.stdout:
        for f in SDK_FILES:
            assert os.path.getsize(os.path.join(d, f)) > 1000, "%s missing or empty" % f


@case
def by_name_writes_page_with_playback_url():
    ch = create_channel("lobby")
    d = out_dir()
    assert_page(d, ch, player("--channel", "lobby", "--out", d))


@case
def by_arn_writes_page():
    ch = create_channel("by-arn")
    d = out_dir()
    assert_page(d, ch, player("--channel", ch["arn"], "--out", d))


@case
def default_folder_is_ivsvc_player_in_cwd():
    ch = create_channel("default-dir")
    cwd = tempfile.mkdtemp(prefix="ivsvc-player-cwd-")
    r = ivstest.run_ivsvc(["player", "--channel", "default-dir"], env=env(), cwd=cwd, timeout=60)
    assert_page(os.path.join(cwd, "ivsvc-player"), ch, r)


@case
def rerun_overwrites_its_own_output():
    a = create_channel("first")
    b = create_channel("second")
    d = out_dir()
    assert_page(d, a, player("--channel", "first", "--out", d))
    assert_page(d, b, player("--channel", "second", "--out", d))


@case
def foreign_folder_needs_yes():
    ch = create_channel("careful")
    d = out_dir()
    os.makedirs(d)
    with open(os.path.join(d, "notes.txt"), "w") as f:
        f.write("mine\n")
    r = player("--channel", "careful", "--out", d)
    assert r.returncode == 3, "exit %d: %s" % (r.returncode, r.stderr)
    assert "--yes" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert sorted(os.listdir(d)) == ["notes.txt"], os.listdir(d)
    assert_page(d, ch, player("--channel", "careful", "--out", d, "--yes"))
    assert os.path.isfile(os.path.join(d, "notes.txt"))


@case
def unknown_name_fails_naming_it():
    d = out_dir()
    r = player("--channel", "no-such-channel", "--out", d)
    assert r.returncode == 1, "exit %d: %s" % (r.returncode, r.stderr)
    assert "no-such-channel" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert not os.path.exists(d), "wrote a page for a channel that does not exist"


@case
def unknown_arn_fails_naming_it():
    arn = "arn:aws:ivs:us-east-1:123456789012:channel/AbCdEfGhIjKl"
    r = player("--channel", arn, "--out", out_dir())
    assert r.returncode == 1, "exit %d: %s" % (r.returncode, r.stderr)
    assert arn in r.stderr and r.stderr.count("\n") == 1, r.stderr


@case
def duplicate_names_ask_for_the_arn():
    a = create_channel("twin")
    b = create_channel("twin")
    r = player("--channel", "twin", "--out", out_dir())
    assert r.returncode == 1, "exit %d: %s" % (r.returncode, r.stderr)
    assert a["arn"] in r.stderr and b["arn"] in r.stderr, r.stderr


@case
def malformed_arn_is_a_usage_error_before_any_call():
    for bad in ("arn:aws:ivs:us-east-1:123456789012:stream-key/abc",
                "arn:aws:s3:::bucket", "arn:aws:ivs:us-east-1:12:channel/x"):
        r = player("--channel", bad, "--out", out_dir())
        assert r.returncode == 2, "exit %d: %s" % (r.returncode, r.stderr)
        assert "--channel" in r.stderr and r.stderr.count("\n") == 1, r.stderr


@case
def arn_region_is_used_when_no_region_is_given():
    # The channel lives in us-east-1 (moto); the environment says eu-west-1:
    # the ARN's region must win, an explicit --region must win over the ARN.
    ch = create_channel("regional")
    e = env()
    e["AWS_REGION"] = "eu-west-1"
    r = ivstest.run_ivsvc(["player", "--channel", ch["arn"], "--out", out_dir()], env=e, timeout=60)
    assert r.returncode == 0, r.stderr
    r = ivstest.run_ivsvc(["player", "--channel", ch["arn"], "--out", out_dir(),
                           "--region", "eu-west-1"], env=e, timeout=60)
    assert r.returncode == 1 and "eu-west-1" in r.stderr, r.stderr


@case
def usage_errors():
    assert player("--out", out_dir()).returncode == 2
    assert player("--channel", "x", "extra").returncode == 2
    assert player("--channel", "x", "--json").returncode == 2


if __name__ == "__main__":
    ivstest.require_python_tools("moto", "boto3")
    with ivstest.MotoServer() as m:
        moto = m
        ivs = ivstest.boto_client("ivs", m.url)
        ivstest.main()
