#!/usr/bin/env python3
"""`ivsvc restore` against moto 5.2, which does ListBackups (ignoring
BackupType: it lists USER backups under SYSTEM too), RestoreTableFromBackup
and RestoreTableToPointInTime of a live table (even with point-in-time
recovery off, which AWS refuses), each ACTIVE at once, and does not make the SYSTEM backup of a deleted table: a backup is listed (text and
--json), restored into a new table whose `history --all` rows are exactly the
source's, an existing target is refused before any restore call, a live
table is restored as of latest, and a deleted one is pointed at its backups.
"""
import json
import tempfile

import ivstest
from ivstest import case, clean_env, run_ivsvc

ivstest.require_python_tools("boto3", "botocore", "moto")

WORK = tempfile.mkdtemp(prefix="ivsvc-restore-")
SRC = "ViewersSrc"


def ivsvc(moto, args):
    r = run_ivsvc(args, env=clean_env(endpoint=moto.url, extra={"IVSVC_POLL_MS": "20"}),
                  cwd=WORK, timeout=120)
    print("$ ivsvc %s -> %d\n%s%s" % (" ".join(args), r.returncode, r.stdout[:2000], r.stderr))
    return r


def seed(ddb):
    ivstest.create_viewers_table(ddb, SRC)
    items = []
    for k in range(3):
        for m in range(0, 50, 1 + k):   # gaps differ per channel
            items.append({"channel": {"S": "arn:aws:ivs:us-east-1:123456789012:channel/gone%d" % k},
                          "time": {"N": str(1795000000000 + m * 60000)},
                          "count": {"N": str(k * 100 + m)}})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={SRC: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
    return len(items)


def rows(moto, table):
    r = ivsvc(moto, ["history", "--format", "csv", "--all", "--table", table])
    assert r.returncode == 0, r.stderr
    return sorted(r.stdout.splitlines()[1:])


@case
def backup_listed_restored_and_read():
    with ivstest.MotoServer() as moto:
        ddb = ivstest.boto_client("dynamodb", moto.url)
        n = seed(ddb)
        arn = ddb.create_backup(TableName=SRC, BackupName="before-upgrade")["BackupDetails"]["BackupArn"]
        want = rows(moto, SRC)
        assert len(want) == n, (len(want), n)

        r = ivsvc(moto, ["restore", "--list", "--json"])
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert [(b["arn"], b["name"], b["table"], b["type"], b["status"]) for b in doc["backups"]] == \
            [(arn, "before-upgrade", SRC, "USER", "AVAILABLE")], doc
        assert "pointInTime" not in doc, doc

        r = ivsvc(moto, ["restore", "--list", "--table", SRC])
        assert r.returncode == 0, r.stderr
        lines = r.stdout.splitlines()
        assert lines[0].split() == ["CREATED", "(UTC)", "TYPE", "STATUS", "TABLE", "SIZE", "BACKUP"], lines
        assert lines[1].split()[1:4] == ["USER", "AVAILABLE", SRC] and lines[1].endswith(arn), lines
        assert lines[2] == "Restore one: ivsvc restore BACKUP --table NEW_TABLE", lines
        assert lines[3] == "Point-in-time recovery of %s: DISABLED" % SRC, lines

        r = ivsvc(moto, ["restore", arn, "--table", "ViewersBack"])
        assert r.returncode == 0, r.stderr
        assert r.stdout == ("Restoring %s into the new table ViewersBack (Ctrl-C stops waiting, not the "
                            "restore)\nRestored into table ViewersBack (ACTIVE). Read it: ivsvc history "
                            "--table ViewersBack --all\n" % arn), r.stdout
        assert rows(moto, "ViewersBack") == want

        # an existing target is refused, and nothing restored over it
        r = ivsvc(moto, ["restore", arn, "--table", SRC])
        assert r.returncode == 1, r
        assert r.stderr == ("ivsvc: restore: table %s already exists: a restore makes a new table; "
                            "choose another --table\n" % SRC), r.stderr


@case
def point_in_time_of_a_live_table_and_a_deleted_one():
    with ivstest.MotoServer() as moto:
        ddb = ivstest.boto_client("dynamodb", moto.url)
        seed(ddb)
        want = rows(moto, SRC)
        ddb.update_continuous_backups(TableName=SRC, PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True})
        r = ivsvc(moto, ["restore", SRC, "--at", "latest", "--table", "ViewersPitr", "--json"])
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout) == {"table": "ViewersPitr", "status": "ACTIVE", "source": SRC,
                                        "at": "latest"}, r.stdout
        assert rows(moto, "ViewersPitr") == want

        r = ivsvc(moto, ["restore", "--list", "--table", SRC, "--json"])
        p = json.loads(r.stdout)["pointInTime"]
        assert p["table"] == SRC and p["status"] == "ENABLED" and p["latest"].endswith("Z"), p

        ddb.delete_table(TableName=SRC)
        r = ivsvc(moto, ["restore", SRC, "--at", "latest", "--table", "ViewersPitr2"])
        assert r.returncode == 1, r
        assert r.stderr == ("ivsvc: restore: table %s does not exist (deleted?): a deleted table is "
                            "restored from its SYSTEM backup: `ivsvc restore --list`\n" % SRC), r.stderr


@case
def usage_errors():
    with ivstest.MotoServer() as moto:
        for args in (["restore"], ["restore", "x"], ["restore", SRC, "--table", "New1"],
                     ["restore", "--list", SRC], ["restore", SRC, "--at", "yesterday", "--table", "N2"]):
            r = ivsvc(moto, args)
            assert r.returncode == 2, (args, r)


@case
def system_backup_of_a_deleted_table_against_the_stand_in():
    """What moto does not do, against tests/sim/ddb_backup_sim.py (botocore-checked)."""
    from ddb_backup_sim import DdbBackupSim, DELETED
    with DdbBackupSim(creating_describes=3) as sim:
        r = ivsvc(sim, ["restore", "--list"])
        assert r.returncode == 0, r.stderr
        lb = [c["params"] for c in sim.calls() if c["op"] == "ListBackups"]
        assert lb[0] == {"BackupType": "ALL"} and lb[1]["BackupType"] == "ALL" and \
            lb[1]["ExclusiveStartBackupArn"].endswith("/backup/01795900000000-5a6b7c8d"), lb
        lines = r.stdout.splitlines()
        assert lines[1].split()[1:4] == ["SYSTEM", "AVAILABLE", DELETED], lines   # newest first
        assert lines[2].split()[1:4] == ["USER", "AVAILABLE", "ViewersLive"], lines
        sys_arn = lines[1].split()[-1]

        r = ivsvc(sim, ["restore", sys_arn, "--table", "ViewersBack"])
        assert r.returncode == 0, r.stderr
        assert r.stdout == ("Restoring %s into the new table ViewersBack (Ctrl-C stops waiting, not "
                            "the restore)\n  table ViewersBack is CREATING\nRestored into table "
                            "ViewersBack (ACTIVE). Read it: ivsvc history --table ViewersBack --all\n"
                            % sys_arn), r.stdout
        ops = [c["op"] for c in sim.calls()][len(lb):]
        assert ops == ["DescribeTable", "RestoreTableFromBackup"] + ["DescribeTable"] * 4, ops
        assert all(c["error"] in (None, "ResourceNotFoundException") for c in sim.calls()), sim.calls()

        r = ivsvc(sim, ["restore", DELETED, "--at", "2026-11-28T10:00:00Z", "--table", "ViewersX"])
        assert r.returncode == 1, r
        assert "table %s does not exist (deleted?)" % DELETED in r.stderr, r.stderr
        pit = [c["params"] for c in sim.calls() if c["op"] == "RestoreTableToPointInTime"]
        assert pit == [{"SourceTableName": DELETED, "TargetTableName": "ViewersX",
                        "RestoreDateTime": 1795860000}], pit


if __name__ == "__main__":
    ivstest.main()
