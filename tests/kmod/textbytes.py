#!/usr/bin/python3
"""Print LEN bytes of the running kernel's code at symbol NAME + OFFSET, in
hex ("66 0f 1f 00 ..."), read from /proc/kcore (root).  NAME is looked up in
/proc/kallsyms and must name one address (a module's symbols included).
  textbytes.py NAME OFFSET LEN"""
import struct
import sys


def address(name):
    found = set()
    with open('/proc/kallsyms') as f:
        for line in f:
            fields = line.split()
            if fields[2] == name:
                found.add(int(fields[0], 16))
    if len(found) != 1 or 0 in found:
        sys.exit('textbytes: %d addresses for %s' % (len(found), name))
    return found.pop()


def read(addr, size):
    with open('/proc/kcore', 'rb') as kcore:
        eh = kcore.read(64)
        phoff, = struct.unpack_from('<Q', eh, 32)
        phentsize, phnum = struct.unpack_from('<HH', eh, 54)
        for i in range(phnum):
            kcore.seek(phoff + i * phentsize)
            p_type, _, p_offset, p_vaddr, _, p_filesz = \
                struct.unpack('<IIQQQQ', kcore.read(40))
            if p_type == 1 and p_vaddr <= addr and addr + size <= p_vaddr + p_filesz:
                kcore.seek(p_offset + addr - p_vaddr)
                return kcore.read(size)
    sys.exit('textbytes: %x not in /proc/kcore' % addr)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    name, off, size = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
    print(' '.join('%02x' % b for b in read(address(name) + off, size)))


main()
