"""The command line itself: --help, --version, `help <command>`, and the
one-line errors (exit 2) for unknown commands and flags. No AWS involved."""
import os
import subprocess
import tempfile

import ivstest

COMMANDS = ["deploy", "destroy", "status", "logs", "invoke", "cost", "cancel", "synth", "diff", "package",
            "player", "whoami"]


def run(*args):
    return subprocess.run([ivstest.IVSVC] + list(args), capture_output=True, text=True, timeout=30,
                          env=ivstest.clean_env())


@ivstest.case
def help_lists_every_command_and_exit_codes():
    r = run("--help")
    assert r.returncode == 0, r.stderr
    for c in COMMANDS:
        assert "\n  %s " % c in r.stdout, (c, r.stdout)
    assert "Exit status" in r.stdout and "130" in r.stdout
    assert run("-h").stdout == r.stdout
    assert run("help").stdout == r.stdout


@ivstest.case
def version_prints_one_line():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("ivsvc ") and r.stdout.count("\n") == 1, r.stdout


@ivstest.case
def help_for_each_command_shows_its_usage():
    for c in COMMANDS:
        r = run("help", c)
        assert r.returncode == 0, (c, r.stderr)
        assert r.stdout.startswith("usage: ivsvc %s" % c), (c, r.stdout)
        assert run(c, "--help").stdout == r.stdout


@ivstest.case
def unknown_things_are_one_line_usage_errors():
    cases = [("frobnicate",), ("--frobnicate",), ("deploy", "--frobnicate"), ("status", "--yes"),
             ("deploy", "now"), ("whoami", "me"), ("status", "extra"), ("synth", "x"),
             ("help", "frobnicate"), ("logs", "--since"), ("deploy", "--yes=1")]
    for args in cases:
        r = run(*args)
        assert r.returncode == 2, (args, r.returncode, r.stderr)
        assert r.stdout == "", (args, r.stdout)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("ivsvc: "), (args, r.stderr)
    assert "'frobnicate'" in run("frobnicate").stderr
    assert "--frobnicate" in run("deploy", "--frobnicate").stderr
    assert "needs a value" in run("logs", "--since").stderr
    assert "deploy: takes no arguments" in run("deploy", "now").stderr


@ivstest.case
def no_arguments_prints_usage_and_fails():
    r = run()
    assert r.returncode == 2
    assert "usage: ivsvc" in r.stderr


@ivstest.case
def world_writable_config_is_refused():
    d = tempfile.mkdtemp(prefix="ivsvc-cfg-")
    path = os.path.join(d, "ivsvc.yaml")
    with open(path, "w") as f:
        f.write("memory: 512\n")
    os.chmod(path, 0o666)
    r = subprocess.run([ivstest.IVSVC, "synth"], cwd=d, capture_output=True, text=True, timeout=30,
                       env=ivstest.clean_env())
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "writable by every user" in r.stderr and "chmod o-w" in r.stderr, r.stderr
    os.chmod(path, 0o644)
    r = subprocess.run([ivstest.IVSVC, "synth"], cwd=d, capture_output=True, text=True, timeout=30,
                       env=ivstest.clean_env())
    assert r.returncode == 0, r.stderr


@ivstest.case
def config_second_document_after_an_empty_one_is_refused():
    # An empty first document ("---" alone) made the parser stop there: the
    # settings in the second document were silently ignored (exit 0, defaults
    # deployed) instead of "only one YAML document is allowed".
    d = tempfile.mkdtemp(prefix="ivsvc-cfg-")
    path = os.path.join(d, "cfg.yaml")

    def synth(text):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return subprocess.run([ivstest.IVSVC, "synth", "--config", path], cwd=d, capture_output=True,
                              text=True, timeout=30, env=ivstest.clean_env())

    for text in ("---\n---\nmemory: 512\n", "---\n...\n---\nmemory: 99999\n", "~\n---\nmemory: 512\n"):
        r = synth(text)
        assert r.returncode == 2, (text, r.returncode, r.stderr)
        assert "only one YAML document" in r.stderr, r.stderr
    # One empty document is still fine.
    for text in ("---\n", "---\n...\n", "# nothing\n", ""):
        r = synth(text)
        assert r.returncode == 0, (text, r.stderr)


@ivstest.case
def readable_credentials_file_is_warned_about_without_the_secret():
    home = tempfile.mkdtemp(prefix="ivsvc-home-")
    os.makedirs(os.path.join(home, ".aws"))
    cred = os.path.join(home, ".aws", "credentials")
    with open(cred, "w") as f:
        f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                % (ivstest.TEST_KEY_ID, ivstest.TEST_SECRET))
    os.chmod(cred, 0o644)
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url, home=home)
        del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
        r = subprocess.run([ivstest.IVSVC, "whoami"], capture_output=True, text=True, timeout=60,
                           env=env)
        assert r.returncode == 0, r.stderr
        assert "warning:" in r.stderr and "chmod 600" in r.stderr and cred in r.stderr, r.stderr
        assert ivstest.TEST_SECRET not in r.stdout + r.stderr
        os.chmod(cred, 0o600)
        r = subprocess.run([ivstest.IVSVC, "whoami"], capture_output=True, text=True, timeout=60,
                           env=env)
        assert r.returncode == 0 and "warning" not in r.stderr, r.stderr


if __name__ == "__main__":
    ivstest.main()
