"""Review findings on the CLI's CloudFormation path, logs and ivsvc.yaml: each case
failed before its fix. moto for Logs; tests/sim/cfn_sim.py for CloudFormation."""
import os
import sys
import tempfile

import ivstest
from ivstest import case, clean_env, run_ivsvc

sys.path.insert(0, os.path.join(ivstest.SOURCE_DIR, "tests", "sim"))

STACK = "IvsViewersCount"
GROUP = "/aws/lambda/%s-viewers" % STACK
moto = None
WORK = tempfile.mkdtemp(prefix="ivsvc-review-")


def synth(yaml_text):
    path = os.path.join(WORK, "cfg.yaml")
    with open(path, "w") as f:
        f.write(yaml_text)
    os.chmod(path, 0o644)
    r = run_ivsvc(["synth", "--config", path], env=clean_env(), cwd=WORK)
    print("$ ivsvc synth (%r) -> %d\n%s" % (yaml_text, r.returncode, r.stderr))
    return r


@case
def config_second_document_after_an_empty_one_is_refused():
    # An empty first document ("---" alone) made the parser stop there: the
    # settings in the second document were silently ignored (exit 0, defaults
    # deployed) instead of "only one YAML document is allowed".
    for text in ("---\n---\nmemory: 512\n", "---\n...\n---\nmemory: 99999\n",
                 "~\n---\nmemory: 512\n"):
        r = synth(text)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert "only one YAML document" in r.stderr, r.stderr
    # One empty document is still fine.
    for text in ("---\n", "---\n...\n", "# nothing\n", ""):
        r = synth(text)
        assert r.returncode == 0, (text, r.stderr)


if __name__ == "__main__":
    with ivstest.MotoServer() as m:
        moto = m
        ivstest.main()
