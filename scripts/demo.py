#!/usr/bin/env python3
"""demo.py - the whole ivsvc pipeline on one machine, no AWS account.

Starts moto_server (the AWS emulator) and the IVS simulator on free loopback
ports, runs `ivsvc deploy --yes` against them, then plays EventBridge: every
minute (or every --fast seconds, the event times still minute-aligned) it
invokes the deployed package's `bootstrap` through a local Lambda Runtime API
and ships the function's output to CloudWatch Logs in moto, as Lambda does.
So `ivsvc status` shows live counts and `ivsvc logs --follow` shows the ticks
(in another terminal, after `source <build>/demo.env`).

What a viewer finally sees: the simulator serves each live channel's stream
(a looped test picture, low-latency HLS) at the channel's playbackUrl and puts
every PutMetadata it accepts into that stream as ID3 timed metadata, as IVS
does. `ivsvc player` writes the viewer page for each channel, and this script
serves those pages on a free loopback port and prints one URL per channel:
the video, the count, its sparkline and its trend, updated every tick.

Between ticks the channels' audiences rise, hold and fall, and channels go
offline and come back (deterministic in --seed), so the chart and the trend
have something to show. The first channel stays live throughout.

Ctrl-C stops everything it started.
"""
import argparse
import datetime as dt
import functools
import html
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))  # ivstest, which adds tests/sim

import ivstest  # noqa: E402
from ivs_sim import IvsSim  # noqa: E402
from runtime_api import RuntimeApi, lambda_env, scheduled_event, start_function, unpack_package  # noqa: E402


def say(msg):
    print("demo: " + msg, flush=True)


class LogShipper:
    """Sends what the function printed since the last call to CloudWatch Logs,
    framed by START/END/REPORT lines as Lambda does."""

    def __init__(self, logs, group, fn):
        self.logs, self.group, self.fn = logs, group, fn
        self.stream = dt.datetime.utcnow().strftime("%Y/%m/%d/[$LATEST]") + os.urandom(8).hex()
        self.offsets = {fn.stdout_path: 0, fn.stderr_path: 0}
        try:
            logs.create_log_group(logGroupName=group)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        logs.create_log_stream(logGroupName=group, logStreamName=self.stream)

    def _new_lines(self):
        lines = []
        for path in self.offsets:
            with open(path, "rb") as f:
                f.seek(self.offsets[path])
                data = f.read()
                cut = data.rfind(b"\n") + 1
                self.offsets[path] += cut
                lines += data[:cut].decode("utf-8", "replace").splitlines()
        return [line for line in lines if line.strip()]

    def ship(self, request_id, duration_ms, rss_mb):
        now = int(time.time() * 1000)
        msgs = ["START RequestId: %s Version: $LATEST" % request_id]
        msgs += self._new_lines()
        msgs += ["END RequestId: %s" % request_id,
                 "REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\t"
                 "Memory Size: 256 MB\tMax Memory Used: %d MB" %
                 (request_id, duration_ms, int(duration_ms) + 1, rss_mb)]
        events = [{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)]
        self.logs.put_log_events(logGroupName=self.group, logStreamName=self.stream,
                                 logEvents=events)


class Audiences:
    """The demo's story between ticks, deterministic in the seed: each live
    channel's audience rises, holds or falls for a few minutes at a time; a
    channel other than the first goes offline after a while and comes back
    later, its audience building up again. Applied through the simulator's
    control calls, so the function sees it as IVS would report it."""

    MODES = ("rising", "steady", "falling")

    def __init__(self, sim, seed):
        self.sim = sim
        self.seed = seed
        self.plan = {}
        for c in sim.channels():
            i = int(c["id"][3:]) if c["id"][3:].isdigit() else len(self.plan)
            rng = random.Random("%s:demo:%d" % (seed, i))
            p = {"rng": rng, "name": c["name"], "first": not self.plan,
                 "mode": rng.choice(self.MODES), "mode_left": rng.randint(2, 5),
                 # no change in the first ticks: every page gets its first counts,
                 # and an offline page is seen offline before its channel starts
                 "live_left": rng.randint(5, 12) if c["live"] else rng.randint(6, 9)}
            self.plan[c["id"]] = p
            if c["live"] and c["viewers"] < 5:
                sim.set_channel(c["id"], viewers=rng.randint(5, 40))

    def _next_count(self, p, v):
        rng = p["rng"]
        p["mode_left"] -= 1
        if p["mode_left"] <= 0:
            p["mode"] = rng.choice([m for m in self.MODES if m != p["mode"]])
            p["mode_left"] = rng.randint(3, 6)
        if p["mode"] == "falling" and v < 8:
            p["mode"], p["mode_left"] = "rising", rng.randint(3, 6)
        step = max(2.0, v * rng.uniform(0.08, 0.2))
        if p["mode"] == "rising":
            v += step
        elif p["mode"] == "falling":
            v -= step
        v += rng.uniform(-0.03, 0.03) * v
        return max(0, int(round(v)))

    def step(self):
        """One minute of the story; returns what changed, as lines to print."""
        said = []
        for c in self.sim.channels():
            p = self.plan.get(c["id"])
            if p is None:
                continue
            p["live_left"] -= 1
            if not p["first"] and p["live_left"] <= 0:
                rng = p["rng"]
                if c["live"]:
                    self.sim.set_channel(c["id"], live=False, viewers=0)
                    p["live_left"] = rng.randint(2, 5)
                    said.append("%s went offline" % p["name"])
                else:
                    self.sim.set_channel(c["id"], live=True, viewers=rng.randint(3, 15))
                    p["mode"], p["mode_left"] = "rising", rng.randint(3, 6)
                    p["live_left"] = rng.randint(6, 14)
                    said.append("%s went live" % p["name"])
                continue
            if c["live"]:
                self.sim.set_channel(c["id"], viewers=self._next_count(p, c["viewers"]))
        return said


class _PageHandler(SimpleHTTPRequestHandler):
    extensions_map = dict(SimpleHTTPRequestHandler.extensions_map, **{
        ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
        ".json": "application/json", ".css": "text/css", ".html": "text/html"})

    def end_headers(self):
        # config.json changes when the demo is restarted on the same port
        self.send_header("Cache-Control", "no-store")
        SimpleHTTPRequestHandler.end_headers(self)

    def log_message(self, fmt, *args):
        pass


class PageServer:
    """The viewer pages, served from `root` on 127.0.0.1 (port 0: a free one)."""

    def __init__(self, root, port=0):
        handler = functools.partial(_PageHandler, directory=root)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.url = "http://127.0.0.1:%d/" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="pages", daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def write_pages(ivsvc, env, cwd, root, channels):
    """`ivsvc player` for every channel, each into root/<name>/, plus an index.
    Returns {name: relative URL}; raises RuntimeError when a page was not written."""
    os.makedirs(root, exist_ok=True)
    sdk = os.path.join(SOURCE, "web", "vendor")
    pages = {}
    for c in channels:
        out = os.path.join(root, c["name"])
        r = subprocess.run([ivsvc, "player", "--channel", c["arn"], "--out", out], env=env, cwd=cwd,
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("ivsvc player --channel %s: %s" % (c["name"], r.stderr.strip()))
        # A build configured before the SDK was vendored embeds the page only.
        if not os.path.exists(os.path.join(out, "vendor", "amazon-ivs-player.min.js")) and \
                os.path.isdir(sdk):
            shutil.copytree(sdk, os.path.join(out, "vendor"), dirs_exist_ok=True)
        pages[c["name"]] = c["name"] + "/"
    links = "".join('<li><a href="%s">%s</a></li>' % (html.escape(u), html.escape(n))
                    for n, u in pages.items())
    with open(os.path.join(root, "index.html"), "w") as f:
        f.write('<!doctype html><meta charset="utf-8"><title>ivsvc demo</title>'
                '<h1>ivsvc demo: one viewer page per channel</h1><ul>%s</ul>\n' % links)
    return pages


def open_browser(url):
    """The system's browser, when there is one (a desktop session)."""
    if sys.platform == "darwin" and shutil.which("open"):
        cmd = ["open", url]
    elif (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and shutil.which("xdg-open"):
        cmd = ["xdg-open", url]
    else:
        say("--open: no desktop browser found here; open %s yourself" % url)
        return
    subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"), help="build directory")
    ap.add_argument("--fast", type=float, default=0,
                    help="tick every SECONDS instead of every minute (event times stay minute-aligned)")
    ap.add_argument("--ticks", type=int, default=0, help="stop after N ticks (default: until Ctrl-C)")
    ap.add_argument("--channels", type=int, default=6)
    ap.add_argument("--live", type=int, help="channels live at the start (default: two thirds)")
    ap.add_argument("--seed", type=int, default=7, help="the audiences' and channels' story")
    ap.add_argument("--port", type=int, default=0, help="port of the viewer pages (default: a free one)")
    ap.add_argument("--open", action="store_true", help="open the first channel's page in the browser")
    ap.add_argument("--stack-name", default="IvsViewersCount")
    ap.add_argument("--env-file", help="where to write the exports for another terminal "
                    "(default <build>/demo.env)")
    a = ap.parse_args()
    if a.channels < 1:
        ap.error("--channels must be at least 1")
    live = a.live if a.live is not None else max(1, (2 * a.channels + 2) // 3)

    ivsvc = os.path.abspath(os.path.join(a.build, "ivsvc"))
    if not os.access(ivsvc, os.X_OK):
        sys.exit("demo: %s not found: build first (cmake -S . -B build && cmake --build build)" % ivsvc)

    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    work = tempfile.mkdtemp(prefix="ivsvc-demo-")
    with ivstest.MotoServer() as moto, \
            IvsSim(channels=a.channels, live=live, seed=a.seed, hls=True) as sim, \
            RuntimeApi(timeout_ms=50000) as rt:
        say("moto_server at %s, IVS simulator at %s (%d channels, %d live, seed %d)"
            % (moto.url, sim.url, a.channels, live, a.seed))
        env = ivstest.clean_env(endpoint=moto.url, home=work,
                                extra={"AWS_ENDPOINT_URL_IVS": sim.url})
        env_file = os.path.abspath(a.env_file or os.path.join(a.build, "demo.env"))
        with open(env_file, "w") as f:
            f.write("# source this to point ivsvc at the running demo\n")
            for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IVS", "AWS_REGION",
                      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"):
                f.write("export %s=%s\n" % (k, shlex.quote(env[k])))

        say("ivsvc deploy --yes")
        r = subprocess.run([ivsvc, "deploy", "--yes", "--no-verify", "--stack-name", a.stack_name], env=env,
                           cwd=work)
        if r.returncode != 0:
            say("deploy failed (exit %d)" % r.returncode)
            return 1

        cfn = ivstest.boto_client("cloudformation", moto.url)
        lam = ivstest.boto_client("lambda", moto.url)
        logs = ivstest.boto_client("logs", moto.url)
        # (.get: moto lists the EventInvokeConfig it does not model without a logical id)
        res = {x.get("LogicalResourceId"): x.get("PhysicalResourceId")
               for x in cfn.describe_stack_resources(StackName=a.stack_name)["StackResources"]}
        fn_name = res["ViewersFunction"]
        fn_env = lam.get_function_configuration(FunctionName=fn_name)["Environment"]["Variables"]
        group = "/aws/lambda/" + fn_name

        zip_path = os.path.join(work, "function.zip")
        subprocess.run([ivsvc, "package", "--output", zip_path], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        root = unpack_package(zip_path, os.path.join(work, "task"))
        extra = {k: str(v) for k, v in fn_env.items()}
        extra.update({"AWS_ENDPOINT_URL_DYNAMODB": moto.url, "AWS_ENDPOINT_URL_IVS": sim.url})
        fenv = lambda_env(root, rt, extra=extra)
        fenv["AWS_LAMBDA_FUNCTION_NAME"] = fn_name
        fenv["AWS_LAMBDA_LOG_GROUP_NAME"] = group
        fn = start_function(root, rt, env=fenv)
        shipper = LogShipper(logs, group, fn)
        say("function %s running from the package (table %s)" % (fn_name, fn_env.get("TABLE_NAME")))
        say("in another terminal:  source %s && %s status   (or: %s logs --follow)"
            % (env_file, ivsvc, ivsvc))

        channels = sim.channels()
        names = {c["arn"]: c["name"] for c in channels}
        try:
            pages = write_pages(ivsvc, env, work, os.path.join(work, "pages"), channels)
            server = PageServer(os.path.join(work, "pages"), a.port)
        except (RuntimeError, OSError) as e:
            say("the viewer pages could not be served: %s" % e)
            fn.stop()
            return 1
        say("viewer pages (written by `ivsvc player`), one per channel:")
        for c in channels[:12]:
            say("  %-14s %-8s %s" % (c["name"], "live" if c["live"] else "offline",
                                     server.url + pages[c["name"]]))
        if len(channels) > 12:
            say("  ... and %d more at %s" % (len(channels) - 12, server.url))
        if a.open:
            open_browser(server.url + pages[channels[0]["name"]])

        story = Audiences(sim, a.seed)
        minute = dt.datetime.utcnow().replace(second=0, microsecond=0)
        ticks = 0
        rc = 0
        try:
            while not stop["now"]:
                if a.fast:
                    minute += dt.timedelta(minutes=1)
                else:
                    minute = dt.datetime.utcnow().replace(second=0, microsecond=0)
                event_time = minute.strftime("%Y-%m-%dT%H:%M:%SZ")
                if ticks:
                    for line in story.step():
                        say(line)
                before = {arn: len(items) for arn, items in sim.metadata().items()}
                t0 = time.time()
                rid = rt.invoke(scheduled_event(event_time))
                result = rt.wait_result(rid, timeout=60)
                took = (time.time() - t0) * 1000
                shipper.ship(rid, took, fn.sample_rss() // 1024)
                ticks += 1
                body = result["body"]
                if result["kind"] != "response":
                    say("tick %s failed: %s" % (event_time, json.dumps(body)))
                    rc = 1
                else:
                    say("tick %s: %s channels, %s live, %s items written, %s metadata sent (%.0f ms)"
                        % (event_time, body.get("channels"), body.get("live"),
                           body.get("itemsWritten"), body.get("metadataSent"), took))
                    md = sim.metadata()
                    sent = [arn for arn in sorted(md) if len(md[arn]) > before.get(arn, 0)]
                    for arn in sent[:12]:
                        say("  %s <- %r" % (names.get(arn, arn.rsplit("/", 1)[-1]), md[arn][-1]["payload"]))
                if ticks == 1:
                    subprocess.run([ivsvc, "status", "--stack-name", a.stack_name], env=env, cwd=work)
                if a.ticks and ticks >= a.ticks:
                    break
                wait_until = time.time() + (a.fast if a.fast else 60 - dt.datetime.utcnow().second)
                while not stop["now"] and time.time() < wait_until:
                    time.sleep(0.2)
        finally:
            server.stop()
            fn.stop()
            say("stopped after %d ticks; everything it started is stopped" % ticks)
        if ticks:
            subprocess.run([ivsvc, "status", "--stack-name", a.stack_name], env=env, cwd=work)
        return rc


if __name__ == "__main__":
    sys.exit(main())
