"""hvac_read.py - the other baseline: a plain hvac script that reads the same
secrets one after another (as most hand-written wrappers do), then execs.

    VAULT_ADDR=... VAULT_TOKEN=... python3 hvac_read.py LIST -- command [arg ...]

LIST has one "NAME MOUNT PATH" triple a line (PATH relative to the KV v2
mount); each variable gets the secret's "value" key.
"""
import os
import sys

import hvac


def main(argv):
    listfile, cmd = argv[1], argv[2:]
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    client = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
    env = dict(os.environ)
    with open(listfile, encoding="utf-8") as f:
        for line in f:
            name, mount, path = line.split()
            secret = client.secrets.kv.v2.read_secret_version(path=path, mount_point=mount)
            env[name] = secret["data"]["data"]["value"]
    os.execvpe(cmd[0], cmd, env)


if __name__ == "__main__":
    main(sys.argv)
