#!/usr/bin/env python3
"""demo.py - the whole ivsvc pipeline on one machine, no AWS account.

Starts moto_server (the AWS emulator) and the IVS simulator on free loopback
ports, runs `ivsvc deploy --yes` against them, then plays EventBridge: every
minute (or every --fast seconds, the event times still minute-aligned) it
invokes the deployed package's `bootstrap` through a local Lambda Runtime API
and ships the function's output to CloudWatch Logs in moto, as Lambda does.
So `ivsvc status` shows live counts and `ivsvc logs --follow` shows the ticks
(in another terminal, after `source <build>/demo.env`).

Ctrl-C stops everything it started.
"""
import argparse
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "lib"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "sim"))

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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SOURCE, "build"), help="build directory")
    ap.add_argument("--fast", type=float, default=0,
                    help="tick every SECONDS instead of every minute (event times stay minute-aligned)")
    ap.add_argument("--ticks", type=int, default=0, help="stop after N ticks (default: until Ctrl-C)")
    ap.add_argument("--channels", type=int, default=6)
    ap.add_argument("--live", type=int, default=4)
    ap.add_argument("--stack-name", default="IvsViewersCount")
    ap.add_argument("--env-file", help="where to write the exports for another terminal "
                    "(default <build>/demo.env)")
    a = ap.parse_args()

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
            IvsSim(channels=a.channels, live=a.live, seed=7) as sim, \
            RuntimeApi(timeout_ms=50000) as rt:
        say("moto_server at %s, IVS simulator at %s (%d channels, %d live)"
            % (moto.url, sim.url, a.channels, a.live))
        env = ivstest.clean_env(endpoint=moto.url, home=work,
                                extra={"AWS_ENDPOINT_URL_IVS": sim.url})
        env_file = os.path.abspath(a.env_file or os.path.join(a.build, "demo.env"))
        with open(env_file, "w") as f:
            f.write("# source this to point ivsvc at the running demo\n")
            for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IVS", "AWS_REGION",
                      "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED"):
                f.write("export %s=%s\n" % (k, shlex.quote(env[k])))

        say("ivsvc deploy --yes")
        r = subprocess.run([ivsvc, "deploy", "--yes", "--stack-name", a.stack_name], env=env,
                           cwd=work)
        if r.returncode != 0:
            say("deploy failed (exit %d)" % r.returncode)
            return 1

        cfn = ivstest.boto_client("cloudformation", moto.url)
        lam = ivstest.boto_client("lambda", moto.url)
        logs = ivstest.boto_client("logs", moto.url)
        res = {x["LogicalResourceId"]: x.get("PhysicalResourceId")
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
                sim.tick()
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
                    for arn in sorted(md)[:2]:
                        say("  %s <- %r" % (arn.rsplit("/", 1)[-1], md[arn][-1]["payload"]))
                if ticks == 1:
                    subprocess.run([ivsvc, "status", "--stack-name", a.stack_name], env=env, cwd=work)
                if a.ticks and ticks >= a.ticks:
                    break
                wait_until = time.time() + (a.fast if a.fast else 60 - dt.datetime.utcnow().second)
                while not stop["now"] and time.time() < wait_until:
                    time.sleep(0.2)
        finally:
            fn.stop()
            say("stopped after %d ticks; everything it started is stopped" % ticks)
        if ticks:
            subprocess.run([ivsvc, "status", "--stack-name", a.stack_name], env=env, cwd=work)
        return rc


if __name__ == "__main__":
    sys.exit(main())
