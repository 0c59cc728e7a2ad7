#!/usr/bin/env python3
"""Write the old-code (run-pre matching) metadata of some functions of a pre
object as a C file of fixture-meta.h records (the structs of
kmodsrc/ksplice-meta.h), the way objmanip keep-old-code + finalize will:
the functions' bytes with every relocation field set to the canary, one
ksplice_section per function, one ksplice_reloc per relocation, and the
special-section sites as ksplice_specials.  A test fixture generator only:
it understands what small kernel objects contain (no jump tables, no
.rodata other than string literals and whole objects).

The object layout comes from the object itself and the kernel profile: a
function starts at its symbol (after any call padding, __pfx_), the special
sections' entry sizes, anchors and length fields come from the profile's
`sections` file, the record kinds and flags from kmodsrc/ksplice-meta.h;
whether a function starts with endbr64 and where its __fentry__ call is are
read from its bytes and __mcount_loc.

usage: mkold.py --profile=SECTIONS OBJ FUNC...
                [--corrupt=FUNC:OFFSET] [--special=FUNC:OFFSET:LEN:KIND]
                [--reloc-size=FUNC:WHERE:SIZE] [--section-size=FUNC:SIZE]
                > out.c
--corrupt flips a byte of the code (it must be a byte that matching
compares); the others write metadata the engine must refuse (a window or
field width it must not trust, a section larger than the module).  OFFSET
of --special may be `jump`: where the engine writes its jump (after any
endbr64 and the __fentry__ site).  WHERE of --reloc-size is the field's
offset, or the name of the symbol its first relocation refers to.
"""
import fnmatch
import os
import re
import subprocess
import sys
import tempfile

# relocation type -> (field size, pc-relative); the C file names the type
R = {'R_X86_64_64': (8, 0), 'R_X86_64_PC32': (4, 1), 'R_X86_64_PLT32': (4, 1),
     'R_X86_64_32': (4, 0), 'R_X86_64_32S': (4, 0)}
ENDBR64 = b'\xf3\x0f\x1e\xfa'
FENTRY_LEN = 5


def meta_constants():
    """KSPLICE_* numbers of kmodsrc/ksplice-meta.h (one source of truth)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, '..', '..', 'kmodsrc', 'ksplice-meta.h')
    c = {}
    for line in open(path):
        m = re.match(r'#define\s+KSPLICE_(\w+)\s+(0x[0-9a-fA-F]+|\d+)\b', line)
        if m:
            c[m.group(1)] = int(m.group(2), 0)
    return c


K = meta_constants()


# Kinds whose site length is fixed (objmanip/profile.c's kinds table).
FIXED_KINDS = {'const_ptr': ('CONST', 8), 'const_shift': ('CONST', 1)}


def profile_sections(path):
    """Special sections of the profile: name (an fnmatch pattern) ->
    (entsize, anchor, kind, len-off or None, fixed length or None); kind
    `none` sections are left out."""
    out = {}
    for line in open(path):
        f = line.split('#', 1)[0].split()
        if not f:
            continue
        name, entsize, anchor, kind, lenoff = f[0], f[1], f[2], f[3], f[7]
        if kind == 'none':
            continue
        kname, fixed = FIXED_KINDS.get(kind, (kind.upper(), None))
        num = K.get('SPECIAL_' + kname)
        if num is None:
            sys.exit('mkold.py: %s: unknown kind %s of %s' % (path, kind, name))
        out[name] = (int(entsize, 0), int(anchor, 0), num,
                     None if lenoff == '-' else int(lenoff, 0), fixed)
    return out


def c_string(text):
    """TEXT as a C string literal (octal escapes for all but plain ASCII)."""
    return '"%s"' % ''.join(
        c if 32 <= ord(c) < 127 and c not in '"\\?' else '\\%03o' % ord(c)
        for c in text)


def run(*a):
    return subprocess.run(a, check=True, capture_output=True, text=True).stdout


def section_bytes(obj, name):
    with tempfile.NamedTemporaryFile() as f:
        subprocess.run(['objcopy', '-O', 'binary', '--only-section=' + name,
                        obj, f.name], check=True)
        return bytearray(open(f.name, 'rb').read())


def relocs(obj):
    out, cur = {}, None
    for line in run('readelf', '-rW', obj).splitlines():
        m = re.match(r"Relocation section '\.rela(.*)' at", line)
        if m:
            cur = out.setdefault(m.group(1), [])
            continue
        f = line.split()
        if cur is None or len(f) < 5 or not f[2].startswith('R_X86_64'):
            continue
        m = re.match(r'\S+\s+\S+\s+(\S+)\s+\S+\s+(\S+)\s*([+-])\s*([0-9a-f]+)', line)
        add = int(m.group(4), 16) * (-1 if m.group(3) == '-' else 1)
        cur.append((int(f[0], 16), m.group(1), m.group(2), add))
    return out


def symbols(obj):
    """name -> (type, bind, section, value, size), the STT_FILE name, and
    for each section its functions and objects [(value, size, name)]
    (__pfx_ padding symbols are not functions of their own)."""
    syms, fname, secname, insec = {}, 'unknown.c', {}, {}
    rows = []
    for line in run('readelf', '-sW', obj).splitlines():
        f = line.split()
        if len(f) == 8 and f[0].endswith(':'):
            rows.append(f)
            if f[3] == 'FILE':
                fname = f[7]
            elif f[3] == 'SECTION':
                secname[f[6]] = f[7]
    for f in rows:
        if f[3] not in ('FUNC', 'OBJECT', 'NOTYPE') or f[7].startswith('__pfx_'):
            continue
        sec = secname.get(f[6])
        val, size = int(f[1], 16), int(f[2], 0)
        syms.setdefault(f[7], (f[3], f[4], sec, val, size))
        if f[3] != 'NOTYPE' and sec:
            insec.setdefault(sec, []).append((val, size, f[7]))
    return syms, fname, insec


def main():
    opts = [a for a in sys.argv[1:] if a.startswith('--')]
    args = [a for a in sys.argv[1:] if not a.startswith('--')]

    def opt(name):
        return [a.split('=', 1)[1] for a in opts if a.startswith(name + '=')]
    known = ('--profile', '--corrupt', '--special', '--reloc-size', '--section-size')
    for a in opts:
        if a.split('=', 1)[0] not in known:
            sys.exit('mkold.py: unknown option %s' % a)
    if len(opt('--profile')) != 1 or len(args) < 2:
        sys.exit('usage: mkold.py --profile=SECTIONS OBJ FUNC... [options]')
    special_secs = profile_sections(opt('--profile')[0])
    corrupt = opt('--corrupt')
    extra = opt('--special')
    rsize = dict(tuple(a.rsplit(':', 1)) for a in opt('--reloc-size'))
    ssize = dict(tuple(a.rsplit(':', 1)) for a in opt('--section-size'))
    obj, funcs = args[0], args[1:]
    for a in corrupt + extra + list(rsize) + list(ssize):
        if a.split(':', 1)[0] not in funcs:
            sys.exit('mkold.py: option for %s, which is not a function to keep' % a)
    used = set()
    rel = relocs(obj)
    syms, fname, insec = symbols(obj)
    out = []
    symrecs = {}

    def sym(name, flags, label=None):
        key = (name, flags)
        if key not in symrecs:
            symrecs[key] = ('ksym%d' % len(symrecs), name, label or name, flags)
        return symrecs[key][0]

    def label(name):
        t, b = syms.get(name, ('NOTYPE', 'GLOBAL'))[:2]
        flags = (K['SYM_FUNC'] if t == 'FUNC' else
                 K['SYM_OBJECT'] if t == 'OBJECT' else 0)
        if b == 'LOCAL':
            return sym(name, flags | K['SYM_LOCAL'], '%s/%s' % (name, fname))
        return sym(name, flags)

    def at(sec, off):
        """The function or object of section SEC holding offset OFF."""
        for val, size, name in insec.get(sec, []):
            if val <= off < val + max(size, 1):
                return name, val
        return None, 0

    def site_of(target, add):
        """(section, offset) a special entry's relocation points at."""
        if target in syms and syms[target][2]:
            return syms[target][2], syms[target][3] + add
        return target, add

    for fn in funcs:
        if fn not in syms or syms[fn][0] != 'FUNC':
            sys.exit('mkold.py: %s: no function %s' % (obj, fn))
        sec, start, fsize = syms[fn][2], syms[fn][3], syms[fn][4]
        data = section_bytes(obj, sec)[start:start + fsize]
        if len(data) != fsize:
            sys.exit('mkold.py: %s: %s lies outside %s' % (obj, fn, sec))
        specials = []
        for sp, rels in rel.items():
            pat = next((p for p in special_secs if fnmatch.fnmatchcase(sp, p)),
                       None)
            if pat is None:
                continue
            entsize, anchor, kind, lenoff, fixed = special_secs[pat]
            spdata = section_bytes(obj, sp)
            for off, rtype, target, add in rels:
                if off % entsize != anchor:
                    continue
                ssec, site = site_of(target, add)
                if ssec != sec or not start <= site < start + fsize:
                    continue
                site -= start
                b = data[site:]
                if fixed is not None:
                    ln = fixed
                elif lenoff is not None:
                    ln = spdata[off - anchor + lenoff]
                elif kind == K['SPECIAL_JUMP_LABEL']:
                    ln = 2 if b[0] == 0xeb or b[:2] == b'\x66\x90' else 5
                elif kind == K['SPECIAL_RETPOLINE']:
                    p = 0
                    while p < 4 and p < len(b) and b[p] == 0x2e:
                        p += 1
                    ln = p + (6 if b[p] == 0x0f else 5)
                elif kind == K['SPECIAL_SMP_LOCK']:
                    ln = 1
                elif kind == K['SPECIAL_ENDBR']:
                    ln = len(ENDBR64)
                else:
                    ln = 5
                specials.append((site, min(ln, fsize - site), kind))
        # The entry: endbr64 (IBT), then the __fentry__ call.
        entry = len(ENDBR64) if data[:len(ENDBR64)] == ENDBR64 else 0
        fentry = any(k == K['SPECIAL_MCOUNT'] and s == entry for s, _, k in specials)
        jump = entry + (FENTRY_LEN if fentry else 0)
        for e in extra:                # FUNC:OFFSET:LEN:KIND, for tests
            ef, eo, el, ek = e.split(':')
            if ef == fn:
                specials.append((jump if eo == 'jump' else int(eo, 0),
                                 int(el, 0), int(ek, 0)))
                used.add(e)
        recs = []
        for off, rtype, target, add in rel.get(sec, []):
            if not start <= off < start + fsize:
                continue
            off -= start
            size, pcrel = R[rtype]
            if target.startswith('.rodata') and '.str' in target:
                strdata = section_bytes(obj, target)
                soff = add + (4 if pcrel else 0)
                lit = strdata[soff:strdata.index(0, soff)].decode()
                s = sym(lit, K['SYM_STRING'] | K['SYM_LOCAL'], '<str>')
                add -= soff
            elif target.startswith('.'):   # gas names a local by its section
                name, val = at(target, add + (4 if pcrel else 0))
                if not name:
                    sys.exit('mkold.py: %s+%d: no symbol there' % (target, add))
                s = label(name)
                add -= val
            else:
                s = label(target)
            data[off:off + size] = (b'\x77' * size)
            recs.append((off, rtype, size, pcrel, s, add, target))
        for c in corrupt:
            cf, co = c.split(':')
            if cf != fn:
                continue
            co = int(co, 0)
            if co >= fsize or any(o <= co < o + n for o, _, n, _, _, _, _ in recs) or \
                    any(s <= co < s + n for s, n, _ in specials):
                sys.exit('mkold.py: --corrupt=%s: not a byte that matching compares' % c)
            data[co] ^= 0xff
            used.add(c)
        # A .cold piece is matched with its parent, not replaced by itself.
        flags = K['SECT_TEXT'] | (0 if fn.endswith('.cold') else K['SECT_MATCH'])
        if entry:
            flags |= K['SECT_ENDBR']
        if fentry:
            flags |= K['SECT_FENTRY']
        lab = 'kold_%s' % fn.replace('.', '_')
        out.append('static const unsigned char %s[] __used __aligned(16)\n'
                   '\t__section(".ksplice_text.%s") = {' % (lab, fn))
        for i in range(0, len(data), 16):
            out.append('\t' + ', '.join('0x%02x' % b for b in data[i:i + 16]) + ',')
        out.append('};')
        out.append('FIX_SECTION(%s, %s, %#xULL, %#x);'
                   % (label(fn), lab, int(ssize.get(fn, str(len(data))), 0), flags))
        if fn in ssize:
            used.add(fn)
        for off, rtype, size, pcrel, s, add, target in recs:
            for key in ('%s:%d' % (fn, off), '%s:%s' % (fn, target)):
                if key in rsize and key not in used:
                    size = int(rsize[key], 0)
                    used.add(key)
            out.append('FIX_RELOC(%s + %d, %s, %s, %d, %d, %s, %d, %s);'
                       % (lab, off, lab, s, add, off, rtype, size,
                          'KSPLICE_RELOC_PCREL' if pcrel else '0'))
        for site, ln, kind in specials:
            out.append('FIX_SPECIAL(%s, %#x, %d, %d);' % (lab, site, ln, kind))
    unused = set(corrupt + extra + list(rsize) + list(ssize)) - used
    if unused:
        sys.exit('mkold.py: options that changed nothing: %s' % ' '.join(sorted(unused)))
    head = ['/* generated by tests/kmod/mkold.py from %s */' % os.path.basename(obj),
            '#include "fixture-meta.h"']
    for key, (name, sname, slabel, flags) in symrecs.items():
        head.append('FIX_SYMBOL(%s, %s, %s, %#x);'
                    % (name, c_string(sname), c_string(slabel), flags))
    out = head + out
    print('\n'.join(out))


main()
