#!/usr/bin/python3
"""Add an X.509 certificate (DER) to a kernel keyring named as /proc/keys
shows it (e.g. .secondary_trusted_keys), with add_key(2), as keyctl padd
would.  Prints "added KEYID" or "refused: STRERROR"; exit 0 / 1, 2 when
the keyring is not listed.
  addkey.py KEYRING CERT.der"""
import ctypes
import os
import sys

SYS_ADD_KEY = 248  # x86-64


def keyring_id(name):
    with open("/proc/keys") as f:
        for line in f:
            fields = line.split()
            # ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: SUMMARY
            if len(fields) >= 9 and fields[7] == "keyring" and \
                    fields[8].rstrip(":") == name:
                return int(fields[0], 16)
    return None


def main():
    name, cert = sys.argv[1], sys.argv[2]
    ring = keyring_id(name)
    if ring is None:
        print("no keyring %s in /proc/keys" % name)
        return 2
    data = open(cert, "rb").read()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    key = libc.syscall(SYS_ADD_KEY, b"asymmetric", None, data,
                       ctypes.c_size_t(len(data)), ctypes.c_int(ring))
    if key < 0:
        print("refused: %s" % os.strerror(ctypes.get_errno()))
        return 1
    print("added %x" % key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
