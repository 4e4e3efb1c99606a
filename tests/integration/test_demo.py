"""The README's main command, scripts/demo.py, end to end: it deploys into
moto, ticks the packaged function against the IVS simulator (which serves each
live channel's HLS stream with the accepted PutMetadata payloads in it as ID3
timed metadata), serves the viewer pages `ivsvc player` wrote and prints one
URL per channel. What a user sees is checked as they would see it: the pages
in headless Chromium with the real Player SDK (web/test/demo-page.mjs), whose
count, sparkline and trend must equal the payloads the simulator received;
`ivsvc status` / `ivsvc logs` run from outside, as from another terminal.
Ctrl-C stops everything it started."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import ivstest

DEMO = os.path.join(ivstest.SOURCE_DIR, "scripts", "demo.py")
WEB = os.path.join(ivstest.SOURCE_DIR, "web")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOT = os.path.join(ivstest.BUILD_DIR, "demo-e2e", "demo.png")
PAGE_LINE = re.compile(r"^demo:\s+(\S+)\s+(live|offline)\s+(http://127\.0\.0\.1:\d+/\S*)$", re.M)


def port_open(url):
    host, port = url.rsplit("//", 1)[1].split("/")[0].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, int(port))) == 0


def read_env(path):
    env = {}
    for line in open(path):
        m = re.match(r"export (\w+)=(.*)$", line.strip())
        if m:
            env[m.group(1)] = m.group(2).strip("'")
    return env


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


@ivstest.case
def demo_bounded_run_shows_growing_history():
    tmp = tempfile.mkdtemp(prefix="ivsvc-demo-test-")
    r = subprocess.run([sys.executable, DEMO, "--build", ivstest.BUILD_DIR, "--fast", "0.5",
                        "--ticks", "3", "--channels", "5", "--live", "3",
                        "--env-file", os.path.join(tmp, "demo.env")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    ticks = re.findall(r"tick (\S+): (\d+) channels, (\d+) live, (\d+) items written, (\d+) metadata sent",
                       r.stdout)
    assert len(ticks) == 3, r.stdout
    minutes = [t[0] for t in ticks]
    assert all(m.endswith(":00Z") for m in minutes), minutes
    assert len(set(minutes)) == 3, minutes
    # the story changes no channel's state in its first ticks
    for _, ch, live, items, sent in ticks:
        assert (ch, live, items, sent) == ("5", "3", "5", "3"), ticks
    # the metadata of the third tick holds three points, newest first
    payloads = re.findall(r"channel-0000 <- '([0-9,]+)'", r.stdout)
    assert [len(p.split(",")) for p in payloads] == [1, 2, 3], payloads
    assert "Latest counts" in r.stdout, r.stdout
    pages = PAGE_LINE.findall(r.stdout)
    assert [(n, s) for n, s, _ in pages] == [("channel-%04d" % i, "live" if i < 3 else "offline")
                                               for i in range(5)], r.stdout
    assert len({u for _, _, u in pages}) == 5, pages


def start_demo(tmp, *extra):
    out_path = os.path.join(tmp, "demo.out")
    with open(out_path, "w") as out:
        proc = subprocess.Popen([sys.executable, DEMO, "--build", ivstest.BUILD_DIR,
                                 "--env-file", os.path.join(tmp, "demo.env")] + list(extra),
                                stdout=out, stderr=subprocess.STDOUT)
    return proc, out_path


def wait_output(proc, out_path, pattern, count=1, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = open(out_path).read()
        if len(re.findall(pattern, text, re.M)) >= count:
            return text
        assert proc.poll() is None, "the demo exited:\n" + text
        time.sleep(0.3)
    raise AssertionError("no %r x%d in time:\n%s" % (pattern, count, open(out_path).read()))


def interrupt_demo(proc):
    """Ctrl-C for the demo; killed (and TimeoutExpired raised) if it does not stop in 30 s."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def stop_demo(proc, out_path, urls):
    interrupt_demo(proc)
    text = open(out_path).read()
    assert proc.returncode == 0, text
    assert "everything it started is stopped" in text, text
    for url in urls:
        assert not port_open(url), "%s still listening after Ctrl-C" % url


@ivstest.case
def demo_pages_show_what_the_function_sent_then_ctrl_c():
    """The demo as the README runs it: the printed page of a live channel
    plays its stream and shows the count, sparkline and trend of the payload
    the simulator received; an offline channel's page says so and picks the
    stream up when the demo's story brings the channel live; status and logs
    from another terminal; Ctrl-C stops it all."""
    for need in (CHROMIUM, os.path.join(WEB, "node_modules", "playwright-core"),
                 os.path.join(WEB, "vendor", "amazon-ivs-player.min.js")):
        assert os.path.exists(need), "%s is missing: run scripts/deps.sh" % need
    assert shutil.which("ffmpeg"), "ffmpeg is missing (the simulator's streams): run scripts/deps.sh"
    tmp = tempfile.mkdtemp(prefix="ivsvc-demo-test-")
    proc, out_path = start_demo(tmp, "--fast", "3", "--channels", "3", "--seed", "7")
    urls = []
    try:
        text = wait_output(proc, out_path, PAGE_LINE.pattern, count=3)
        sim_url = re.search(r"IVS simulator at (http://127\.0\.0\.1:\d+)", text).group(1)
        moto_url = re.search(r"moto_server at (http://127\.0\.0\.1:\d+)", text).group(1)
        pages = {n: (state, url) for n, state, url in PAGE_LINE.findall(text)}
        urls = [sim_url, moto_url, pages["channel-0000"][1]]
        assert pages["channel-0000"][0] == "live" and pages["channel-0002"][0] == "offline", pages
        arns = {c["name"]: c["arn"] for c in get_json(sim_url + "/_sim/state")["channels"]}

        # the page folder is what `ivsvc player` writes: its config names the
        # channel's playback URL, which the simulator serves
        conf = get_json(pages["channel-0000"][1] + "config.json")
        assert conf["channelArn"] == arns["channel-0000"], conf
        assert conf["playbackUrl"].startswith(sim_url + "/api/video/v1/"), conf

        args = {"sim": sim_url, "shot": SHOT,
                "live": {"url": pages["channel-0000"][1], "arn": arns["channel-0000"]},
                "offline": {"url": pages["channel-0002"][1], "arn": arns["channel-0002"]}}
        r = subprocess.run(["node", "test/demo-page.mjs", json.dumps(args)], cwd=WEB,
                           capture_output=True, text=True, timeout=240)
        out = r.stdout + r.stderr
        sys.stdout.write(out)
        assert r.returncode == 0 and "demo-page: all checks passed" in out, out[-4000:]
        assert os.path.getsize(SHOT) > 20000, "screenshot %s looks empty" % SHOT
        text = open(out_path).read()
        assert "channel-0002 went live" in text, text

        # another terminal, as the README says
        denv = read_env(os.path.join(tmp, "demo.env"))
        env = ivstest.clean_env(endpoint=denv["AWS_ENDPOINT_URL"],
                                extra={"AWS_ENDPOINT_URL_IVS": denv["AWS_ENDPOINT_URL_IVS"]})
        st = ivstest.run_ivsvc(["status", "--json"], env)
        assert st.returncode == 0, st.stderr
        doc = json.loads(st.stdout)
        assert doc["stack"]["status"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), doc
        counts = {c["channel"].rsplit("/", 1)[-1]: c for c in doc.get("channels", [])}
        assert set(counts) == {"sim%09d" % i for i in range(3)}, counts
        lg = ivstest.run_ivsvc(["logs", "--since", "1h"], env)
        assert lg.returncode == 0, lg.stderr
        assert lg.stdout.count("START RequestId") >= 2, lg.stdout
        assert '"metadataSent":2' in lg.stdout.replace(" ", ""), lg.stdout
        assert ivstest.TEST_SECRET not in lg.stdout + st.stdout
    except BaseException:
        try:
            interrupt_demo(proc)
        except subprocess.TimeoutExpired:
            pass
        raise
    stop_demo(proc, out_path, urls)


if __name__ == "__main__":
    ivstest.main()
