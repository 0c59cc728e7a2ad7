#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build the hostile corpus: gen.py OBJMANIP OUTDIR

Compiles valid.c before and after a small change (kernel-style code with
strings, data and special sections), runs the valid pipeline once
(keep-new-code, keep-old-code, ld -r) and writes into OUTDIR the valid
objects (pre.o, post.o, post.o.new, new.o, old.o), one hostile object
NAME.o per case below (a valid object with specific ELF fields
overwritten) and `cases` (NAME and the object it derives from, a line
each).  Fields are found by parsing, not at fixed offsets, so the corpus
follows the compiler's layout.  The expected objmanip error of each case
is in the file `expected` beside this script.
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from elf64 import Elf, SHT_NULL, SHT_NOBITS, STT_SECTION

HERE = os.path.dirname(os.path.abspath(__file__))
CC = os.environ.get('CC', 'gcc-12')
# The kernel profile's code-generation flags and section layouts (run
# exports them from scripts/profile.sh).
CFLAGS = os.environ['UNIT_CFLAGS'].split() + ['-Wno-unused-function']
PROFILE_UNIT = os.path.join(os.environ['KSPLICE_PROFILE'], 'unit')

SHN_ABS, SHN_XINDEX = 0xfff1, 0xffff
INT64_MAX = (1 << 63) - 1
R_X86_64_PC32 = 2


def section_symbol_reloc(e, secname, types=None):
    """The first relocation of @secname against a section symbol."""
    for r in e.relas_of(secname):
        if e.syms[r['r_sym']]['st_info'] & 0xf == STT_SECTION and \
           (types is None or r['r_type'] in types):
            return r
    raise KeyError('no section-symbol relocation in ' + secname)


# a: a section symbol that names no section
def secsym_undef(e):
    r = section_symbol_reloc(e, '.text.describe')
    e.set_sym(e.syms[r['r_sym']], 'st_shndx', 0)


def secsym_abs(e):
    r = section_symbol_reloc(e, '.text.describe')
    e.set_sym(e.syms[r['r_sym']], 'st_shndx', SHN_ABS)


def secsym_xindex(e):
    r = section_symbol_reloc(e, '.text.describe')
    e.set_sym(e.syms[r['r_sym']], 'st_shndx', SHN_XINDEX)


# b: value + size wraps around 2^64
def symsize_wrap(e):
    s = e.symbol('describe')
    e.set_sym(s, 'st_value', 8)
    e.set_sym(s, 'st_size', (1 << 64) - 4)


# c: the string section relocations point into is not a string section
def strsec_null(e):
    e.set_shdr(e.section('.rodata.describe.str1.1'), 'sh_type', SHT_NULL)


def strsec_nobits(e):
    e.set_shdr(e.section('.rodata.describe.str1.1'), 'sh_type', SHT_NOBITS)


# d: alignment
def align_4g(e):
    e.set_shdr(e.section('.text.describe'), 'sh_addralign', 1 << 32)


def align_odd(e):
    e.set_shdr(e.section('.text.describe'), 'sh_addralign', 24)


# e: pc-relative target offset overflows
def addend_overflow(e):
    # a call: the +4 of a pc-relative operand in code overflows
    r = section_symbol_reloc(e, '.text.report', (R_X86_64_PC32,))
    e.set_rela(r, 'r_addend', INT64_MAX)


# audit: sh_link / sh_info of relocation sections
def rela_link(e):
    e.set_shdr(e.section('.rela.text.describe'), 'sh_link', 0)


def rela_info_symtab(e):
    e.set_shdr(e.section('.rela.text.describe'), 'sh_info',
               e.section('.symtab')['index'])


def reloc_overlap(e):
    r = e.relas_of('.text.describe')
    e.set_rela(r[2], 'r_offset', r[1]['r_offset'] + 2)


def reloc_straddle(e):
    # the function ends in the middle of its last relocation field
    last = max(r['r_offset'] for r in e.relas_of('.text.describe'))
    e.set_sym(e.symbol('describe'), 'st_size', last + 2)


def meta_nobits(e):
    s = e.section('.ksplice_relocs')
    e.set_shdr(s, 'sh_type', SHT_NOBITS)
    e.set_shdr(s, 'sh_size', 1 << 40)


CASES = [
    ('secsym-undef', 'new.o', secsym_undef),
    ('secsym-abs', 'new.o', secsym_abs),
    ('secsym-xindex', 'new.o', secsym_xindex),
    ('symsize-wrap', 'post.o', symsize_wrap),
    ('strsec-null', 'old.o', strsec_null),
    ('strsec-nobits', 'old.o', strsec_nobits),
    ('align-4g', 'post.o', align_4g),
    ('align-odd', 'post.o', align_odd),
    ('addend-overflow', 'post.o', addend_overflow),
    ('rela-link', 'post.o', rela_link),
    ('rela-info-symtab', 'post.o', rela_info_symtab),
    ('reloc-overlap', 'post.o', reloc_overlap),
    ('reloc-straddle', 'post.o', reloc_straddle),
    ('meta-nobits', 'new.o', meta_nobits),
]


def run(cmd, cwd):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode:
        sys.exit('gen.py: %s failed (%d): %s' % (' '.join(cmd), p.returncode,
                                                 p.stderr.strip()))


def build_valid(objmanip, out):
    inc = os.path.join(HERE, '..', 'include')
    with open(os.path.join(HERE, 'valid.c')) as f:
        pre = f.read()
    # two changed functions: describe (a string) and scale (code)
    post = pre.replace('"big"', '"large"').replace('x * 3', 'x * 5')
    for side, src in (('pre', pre), ('post', post)):
        with open(os.path.join(out, 'x.c'), 'w') as f:
            f.write(src)
        run([CC] + CFLAGS + ['-I', inc, '-I', PROFILE_UNIT, '-c', 'x.c',
             '-o', side + '.o'], out)
    os.unlink(os.path.join(out, 'x.c'))
    run([objmanip, 'post.o', 'post.o.new', 'keep-new-code', 'pre.o',
         'hostile'], out)
    run([objmanip, 'pre.o', 'post.o.old', 'keep-old-code'], out)
    run(['ld', '-r', '-o', 'new.o', 'post.o.new'], out)
    run(['ld', '-r', '-o', 'old.o', 'post.o.old'], out)


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: gen.py OBJMANIP OUTDIR')
    objmanip, out = os.path.abspath(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=True)
    build_valid(objmanip, out)
    with open(os.path.join(out, 'cases'), 'w') as f:
        f.write(''.join('%s %s\n' % (c[0], c[1]) for c in CASES))
    for name, base, patch in CASES:
        with open(os.path.join(out, base), 'rb') as f:
            e = Elf(f.read())
        patch(e)
        with open(os.path.join(out, name + '.o'), 'wb') as f:
            f.write(e.data)


if __name__ == '__main__':
    main()
