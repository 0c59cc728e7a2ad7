#!/usr/bin/python3
"""Print "NAME SHA256" for each kernel function NAME: the SHA-256 of its
bytes in the running kernel, read from /proc/kcore, from its address in
/proc/kallsyms to the next symbol's (root; the first symbol of that name).
  kbytes.py NAME..."""
import bisect
import hashlib
import struct
import sys


def symbols():
    addrs = []
    first = {}
    with open("/proc/kallsyms") as f:
        for line in f:
            a, t, name = line.split()[:3]
            a = int(a, 16)
            addrs.append(a)
            first.setdefault(name, a)
    return sorted(set(addrs)), first


def loads(kcore):
    """The PT_LOAD segments of /proc/kcore: (vaddr, size, offset)."""
    kcore.seek(0)
    eh = kcore.read(64)
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    segs = []
    for i in range(phnum):
        kcore.seek(phoff + i * phentsize)
        p_type, _, p_offset, p_vaddr, _, p_filesz = \
            struct.unpack("<IIQQQQ", kcore.read(40))
        if p_type == 1:
            segs.append((p_vaddr, p_filesz, p_offset))
    return segs


def read(kcore, segs, addr, size):
    for vaddr, filesz, offset in segs:
        if vaddr <= addr and addr + size <= vaddr + filesz:
            kcore.seek(offset + addr - vaddr)
            return kcore.read(size)
    raise SystemExit("kbytes: %x not in /proc/kcore" % addr)


def main():
    addrs, first = symbols()
    with open("/proc/kcore", "rb") as kcore:
        segs = loads(kcore)
        for name in sys.argv[1:]:
            if name not in first or first[name] == 0:
                raise SystemExit("kbytes: no address for %s" % name)
            a = first[name]
            nxt = addrs[bisect.bisect_right(addrs, a)]
            data = read(kcore, segs, a, nxt - a)
            print(name, hashlib.sha256(data).hexdigest())


if __name__ == "__main__":
    main()
