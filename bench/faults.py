#!/usr/bin/env python3
"""faults - the packaged handler under injected faults, as a Markdown table
for the README.

Each scenario runs one function for --ticks consecutive minutes against the
IVS simulator (throttle / 500 / drop / delay on every IVS call) and moto's
DynamoDB behind the fault proxy (the same plus drop-after), then checks the
table and the delivered metadata exactly as integration.handler_faults does
(the runner and the checks are that test's run_scenario() and verify()).

Columns: faults injected per kind (simulator + proxy stats), items expected
/ found (/ reported unwritten), metadata expected / delivered / reported,
the handler's retries (plus libcurl's silent re-sends on dropped
keep-alive connections, which its counters cannot see),
ticks that failed whole, p50 / max tick ms (the handler's durationMs) and
the number of broken promises (must be 0).

Everything on 127.0.0.1.

    python3 bench/faults.py [--build build] [--ticks 10] [--channels 40] [--live 30]
                            [--seed 7] [--scenarios default,heavy,fast-retry]
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)

SCENARIOS = {
    # name: (IVS faults, DynamoDB faults, extra function environment)
    "default": ({"throttle": 0.10, "error500": 0.05, "drop": 0.02, "delay_ms": [0, 120]},
                {"throttle": 0.10, "error500": 0.05, "drop": 0.02, "drop_after": 0.03,
                 "delay_ms": [0, 120]}, {}),
    "fast-retry": ({"throttle": 0.10, "error500": 0.05, "drop": 0.02, "delay_ms": [0, 120]},
                   {"throttle": 0.10, "error500": 0.05, "drop": 0.02, "drop_after": 0.03,
                    "delay_ms": [0, 120]}, {"IVSVC_RETRY_BASE_MS": "20"}),
    "heavy": ({"throttle": 0.25, "error500": 0.10, "drop": 0.05, "delay_ms": [0, 60]},
              {"throttle": 0.20, "error500": 0.10, "drop": 0.05, "drop_after": 0.05,
               "delay_ms": [0, 60]}, {"IVSVC_RETRY_BASE_MS": "20"}),
    "none": ({}, {}, {}),
}


def rates(f):
    parts = ["%s %g%%" % (k.replace("error500", "500").replace("_", "-"), f[k] * 100)
             for k in ("throttle", "error500", "drop", "drop_after") if f.get(k)]
    if f.get("delay_ms") and max(f["delay_ms"]):
        parts.append("delay %d-%d ms" % tuple(f["delay_ms"]))
    return ", ".join(parts) or "none"


def injected(d):
    return ", ".join("%s %d" % (k.replace("error500", "500").replace("_", "-"), v)
                     for k, v in sorted(d.items()) if v) or "0"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.environ.get("IVSVC_BUILD_DIR", os.path.join(SRC, "build")))
    ap.add_argument("--ticks", type=int, default=10)
    ap.add_argument("--channels", type=int, default=40)
    ap.add_argument("--live", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--scenarios", default="default,fast-retry,heavy")
    a = ap.parse_args()
    os.environ["IVSVC_BUILD_DIR"] = os.path.abspath(a.build)
    sys.path.insert(0, os.path.join(SRC, "tests", "integration"))  # ivstest, which adds tests/sim
    import ivstest
    import test_handler_faults as hf

    rows, broken = [], 0
    with ivstest.MotoServer() as moto:
        for i, name in enumerate(a.scenarios.split(",")):
            ivs_f, ddb_f, extra = SCENARIOS[name]
            sys.stderr.write("faults: %s, %d ticks x %d channels ...\n" % (name, a.ticks, a.channels))
            run = hf.run_scenario(moto, ticks=a.ticks, channels=a.channels, live=a.live, seed=a.seed,
                                  ivs_faults=ivs_f, ddb_faults=ddb_f, extra=extra,
                                  # the first write and read land upstream, their answers are lost
                                  ddb_sequence=["drop_after", "drop_after"] if ddb_f else None,
                                  table="Bench%d" % i)
            fig, problems = hf.verify(run)
            broken += len(problems)
            for p in problems[:10]:
                sys.stderr.write("  broken: %s\n" % p)
            ms = fig["tick_ms"] or [0]
            rows.append([name, str(fig["ticks"]), "%d (%d live)" % (fig["channels"], fig["live"]),
                         rates(ivs_f), rates(ddb_f), injected(fig["ivs_injected"]),
                         injected(fig["ddb_injected"]),
                         "%d / %d / %d" % (fig["items_expected"], fig["items_found"], fig["items_reported"]),
                         "%d / %d / %d" % (fig["md_expected"], fig["md_delivered"], fig["md_reported"]),
                         "%d (+%d re-sent)" % (fig["retries"], fig["hidden_resends"]),
                         str(fig["tick_errors"]),
                         "%d / %d" % (statistics.median(ms), max(ms)), str(len(problems))])
    head = ["scenario", "ticks", "channels", "IVS fault rates", "DynamoDB fault rates",
            "IVS faults injected", "DynamoDB faults injected", "items expected / found / reported",
            "metadata expected / delivered / reported", "retries", "ticks failed", "tick ms p50 / max",
            "broken"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
