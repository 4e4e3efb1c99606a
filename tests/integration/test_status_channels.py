"""`ivsvc status` on a table with a long history: every channel IVS knows
shows its newest point, even when the bounded Scan (5,000 keys) is used up
by other channels' history before reaching it; a channel with no point yet
shows as such; a newest item whose count is no whole number shows no count
and is reported, not read as 0; without IVS the table alone is read and says
it stopped early."""
import json

import ivstest

ZIP = None


def dummy_zip(path):
    import zipfile
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return path


@ivstest.case
def newest_point_of_every_ivs_channel_despite_long_history():
    import os
    import tempfile
    with ivstest.MotoServer() as moto:
        env = ivstest.clean_env(endpoint=moto.url)
        work = tempfile.mkdtemp(prefix="ivsvc-status-")
        r = ivstest.run_ivsvc(["deploy", "--yes", "--no-verify", "--handler-zip", dummy_zip(os.path.join(work, "f.zip"))],
                              env, cwd=work)
        assert r.returncode == 0, r.stderr
        cfn = ivstest.boto_client("cloudformation", moto.url)
        # (.get: moto lists some resource types without a LogicalResourceId)
        res = {x.get("LogicalResourceId"): x.get("PhysicalResourceId")
               for x in cfn.describe_stack_resources(StackName="IvsViewersCount")["StackResources"]}
        table = ivstest.boto_client("dynamodb", moto.url)
        name = res["ViewersTable"]
        ivs = ivstest.boto_client("ivs", moto.url)
        busy = ivs.create_channel(name="busy")["channel"]["arn"]
        late = ivs.create_channel(name="late")["channel"]["arn"]
        quiet = ivs.create_channel(name="quiet")["channel"]["arn"]
        odd = ivs.create_channel(name="odd")["channel"]["arn"]
        gone = "arn:aws:ivs:us-east-1:123456789012:channel/GoneFromIvs01"
        t0 = 1_790_000_000_000
        # 6,000 minutes of history for one channel, written first...
        reqs = [{"PutRequest": {"Item": {"channel": {"S": busy}, "time": {"N": str(t0 + i * 60000)},
                                         "count": {"N": str(i % 97)}}}} for i in range(6000)]
        for i in range(0, len(reqs), 25):
            table.batch_write_item(RequestItems={name: reqs[i:i + 25]})
        # ...then one point each for two more.
        for arn, n in ((late, 42), (gone, 7)):
            table.put_item(TableName=name, Item={"channel": {"S": arn}, "time": {"N": str(t0 + 6000 * 60000)},
                                                 "count": {"N": str(n)}})
        table.put_item(TableName=name, Item={"channel": {"S": odd}, "time": {"N": str(t0)},
                                             "count": {"N": "12.5"}})
        r = ivstest.run_ivsvc(["status", "--json"], env, cwd=work)
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        got = {c["channel"]: c for c in doc["channels"]}
        # Every channel IVS lists is there; one gone from IVS shows only if the
        # bounded Scan reaches it (the order it reads in is the table's).
        assert {busy, late, quiet, odd} <= set(got) <= {busy, late, quiet, odd, gone}, sorted(got)
        assert got[busy]["viewers"] == 5999 % 97 and got[busy]["timeMs"] == t0 + 5999 * 60000, got[busy]
        assert got[late]["viewers"] == 42, got[late]
        if gone in got:
            assert got[gone]["viewers"] == 7, got[gone]
        assert got[quiet]["viewers"] is None and "timeMs" not in got[quiet], got[quiet]
        assert got[odd]["viewers"] is None and got[odd]["timeMs"] == t0, got[odd]
        assert odd in r.stderr and '"count" is {"N":"12.5"}' in r.stderr, r.stderr
        assert not doc.get("channelsTruncated"), doc
        # without IVS (its endpoint dead) the table alone is read, and says when it stopped early
        env2 = dict(env, AWS_ENDPOINT_URL_IVS="http://127.0.0.1:%d" % ivstest.free_port(),
                    AWS_MAX_ATTEMPTS="1")
        r = ivstest.run_ivsvc(["status", "--json"], env2, cwd=work)
        assert r.returncode == 0, r.stderr
        assert "IVS channel list" in r.stderr, r.stderr
        doc = json.loads(r.stdout)
        assert busy in {c["channel"] for c in doc["channels"]}
        assert doc.get("channelsTruncated") is True, doc


if __name__ == "__main__":
    ivstest.main()
