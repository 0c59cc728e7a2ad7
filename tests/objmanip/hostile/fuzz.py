#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A bounded mutation fuzzer for objmanip (one process, no framework).

fuzz.py --objmanip BIN --corpus DIR --out DIR [--seconds S]
        [--iterations N] [--seed SEED]

Each iteration takes an object of the corpus gen.py wrote (valid objects
and hostile cases), applies one to four mutations (bit flips, byte
overwrites, ELF header / section header / symbol / relocation fields set
to boundary values or near misses, flips in section contents, truncation)
and runs objmanip on it in one of the modes its object is an input of.
A signal, a sanitizer report, a timeout, an exit status other than
0/1/2/66, an error that is not one line, or an output left behind by a
failing run is a failure: the input is saved in --out with the command
and its stderr, and --out/work keeps what the command needs.  The
mutations depend only on the seed, which is printed: the same seed and
corpus replay the same inputs.
"""
import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
from elf64 import (Elf, EHDR_FIELDS, SHDR_FIELDS, SYM_FIELDS, RELA_FIELDS,
                   SHDR, SYM, RELA)

DEFAULT_SEED = 20241129
EXEC_TIMEOUT = 20
MAX_SAVED = 20
OUT_LIMIT = 64 << 20  # bytes an output may reach (RLIMIT_FSIZE)

def boundary_values(width, e, old):
    """Values that tend to break bounds checks, for a field of @width bytes."""
    top = (1 << (8 * width)) - 1
    vals = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x1000,
            0x7fff, 0x8000, 0xffff, 0xff00, 0xfff1, 0xfff2, 0xffff,
            0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, (1 << 63) - 1,
            1 << 63, top, top - 1, top - 3, top - 4, old + 1, old - 1,
            old + 4, old - 4, old ^ 0x80, old * 2, len(e.data),
            len(e.data) - 1, len(e.secs), len(e.secs) - 1, len(e.syms),
            len(e.syms) - 1]
    return [v & top for v in vals]


def field_value(rng, e, width, old):
    """A boundary value, a near miss (which often passes the reader and goes
    deeper), or noise."""
    x = rng.random()
    if x < 0.45:
        return rng.choice(boundary_values(width, e, old))
    if x < 0.85:
        return old + rng.choice((-1, 1)) * rng.choice((1, 2, 3, 4, 8, 16, 64))
    return rng.getrandbits(8 * width)


def set_field(rng, e, rec, fields):
    name = rng.choice(list(fields))
    off, fmt = fields[name]
    width = {'B': 1, 'H': 2, 'I': 4, 'Q': 8, 'q': 8}[fmt[-1]]
    old = rec.get(name, 0) if isinstance(rec.get(name, 0), int) else 0
    e.put(rec['hdr'] + off, fmt, field_value(rng, e, width, old))


def m_ehdr(rng, e):
    set_field(rng, e, {'hdr': 0}, EHDR_FIELDS)


def m_shdr(rng, e):
    if e.secs:
        set_field(rng, e, rng.choice(e.secs), SHDR_FIELDS)


def m_sym(rng, e):
    if e.syms:
        set_field(rng, e, rng.choice(e.syms), SYM_FIELDS)


def m_rela(rng, e):
    if e.relas:
        set_field(rng, e, rng.choice(e.relas), RELA_FIELDS)


def m_copy_record(rng, e):
    """One record's field copied from a sibling: indexes stay plausible."""
    kinds = [(e.secs, SHDR_FIELDS), (e.syms, SYM_FIELDS),
             (e.relas, RELA_FIELDS)]
    recs, fields = rng.choice(kinds)
    if len(recs) < 2:
        return
    a, b = rng.sample(recs, 2)
    name = rng.choice(list(fields))
    off, fmt = fields[name]
    size = {'B': 1, 'H': 2, 'I': 4, 'Q': 8, 'q': 8}[fmt[-1]]
    src = e.data[b['hdr'] + off:b['hdr'] + off + size]
    if len(src) == size:
        e.data[a['hdr'] + off:a['hdr'] + off + size] = src


def structural_range(rng, e):
    """A byte range of ELF's own tables, where flips matter most."""
    ranges = [(0, 64)]
    if e.secs:
        ranges.append((e.shoff, e.shoff + len(e.secs) * SHDR.size))
    if e.syms:
        ranges.append((e.syms[0]['hdr'], e.syms[-1]['hdr'] + SYM.size))
    if e.relas:
        r = rng.choice(e.relas)
        ranges.append((r['hdr'], r['hdr'] + RELA.size))
    lo, hi = rng.choice(ranges)
    return max(0, lo), min(len(e.data), hi)


def m_bitflip(rng, e):
    if not e.data:
        return
    lo, hi = structural_range(rng, e) if rng.random() < 0.7 \
        else (0, len(e.data))
    if hi <= lo:
        return
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(lo, hi)
        e.data[i] ^= 1 << rng.randrange(8)


def m_bytes(rng, e):
    if not e.data:
        return
    i = rng.randrange(len(e.data))
    n = min(rng.choice((1, 2, 4, 8)), len(e.data) - i)
    fill = rng.choice((0x00, 0xff, 0x7f, 0x80, None))
    for k in range(n):
        e.data[i + k] = rng.getrandbits(8) if fill is None else fill


def m_contents(rng, e):
    """Flip bits in the bytes of a program section: code, data, tables."""
    secs = [x for x in e.secs if x['sh_type'] == 1 and x['sh_size'] and
            x['sh_offset'] + x['sh_size'] <= len(e.data)]
    if not secs:
        return
    sec = rng.choice(secs)
    for _ in range(rng.randint(1, 4)):
        i = sec['sh_offset'] + rng.randrange(sec['sh_size'])
        e.data[i] ^= 1 << rng.randrange(8)


def m_truncate(rng, e):
    if len(e.data) < 2:
        return
    cuts = [rng.randrange(1, len(e.data))]
    cuts += [s['sh_offset'] + s['sh_size'] // 2 for s in e.secs]
    if e.shoff:
        cuts.append(e.shoff + rng.randrange(SHDR.size * max(1, len(e.secs))))
    cut = rng.choice(cuts)
    if 0 < cut < len(e.data):
        del e.data[cut:]


MUTATORS = [(m_ehdr, 2), (m_shdr, 8), (m_sym, 8), (m_rela, 8),
            (m_copy_record, 4), (m_bitflip, 6), (m_bytes, 3),
            (m_contents, 4), (m_truncate, 1)]


def mutate(rng, data):
    e = Elf(data)
    funcs = [f for f, w in MUTATORS for _ in range(w)]
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
        rng.choice(funcs)(rng, e)
    return bytes(e.data)


# Stop at the first report; a leak at an error exit does not matter (the
# unit corpus checks leaks on the normal paths under valgrind).
SANITIZER_ENV = {
    'ASAN_OPTIONS': 'abort_on_error=0:exitcode=86:detect_leaks=0:'
                    'max_allocation_size_mb=1024:allocator_may_return_null=0',
    'UBSAN_OPTIONS': 'halt_on_error=1:exitcode=87:print_stacktrace=1',
}


def limits():
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUT_LIMIT, OUT_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Runner:
    def __init__(self, args, work):
        self.objmanip = args.objmanip
        self.work = work
        self.out = args.out
        self.execs = 0
        self.failures = 0
        self.exits = {}

    # every mode reads the input x.o; an input derived from a base object
    # goes to one of the modes that object is a real input of (post.o: also
    # keep-old-code, as any object is), so each run covers every mode
    MODES = {
        'post': ['x.o', 'x.kn.o', 'keep-new-code', 'pre.o', 'fuzz'],
        'pre': ['post.o', 'x.kp.o', 'keep-new-code', 'x.o', 'fuzz'],
        'old': ['x.o', 'x.ko.old', 'keep-old-code'],
        'fin': ['x.o', 'x.fin.o', 'finalize', 'vmlinux', 'symvers'],
    }
    BASE_MODES = {
        'pre.o': ('pre', 'old'),
        'post.o': ('post', 'old', 'fin'),
        'new.o': ('post', 'fin'),
        'old.o': ('old', 'fin'),
    }

    def problem(self, p, output):
        if p is None:
            return 'timeout after %d s' % EXEC_TIMEOUT
        err = p.stderr.decode('latin-1')
        if p.returncode < 0:
            return 'killed by signal %d' % -p.returncode
        if 'Sanitizer' in err or 'runtime error:' in err:
            return 'sanitizer report'
        if p.returncode not in (0, 1, 2, 66):
            return 'exit status %d' % p.returncode
        made = os.path.exists(os.path.join(self.work, output))
        if p.returncode in (1, 2):
            lines = err.splitlines()
            if len(lines) != 1 or not lines[0].startswith('objmanip: '):
                return 'error is not one "objmanip: " line'
            if 'out of memory' in err:
                return 'out of memory on a small input'
            if made:
                return 'output left behind after an error'
        if p.returncode == 66 and made:
            return 'output written with nothing changed'
        if p.returncode == 0 and not made:
            return 'exit 0 without an output'
        return None

    def run(self, data, mode, tag):
        argv = self.MODES[mode]
        with open(os.path.join(self.work, 'x.o'), 'wb') as f:
            f.write(data)
        for stale in ('x.kn.o', 'x.kp.o', 'x.ko.old', 'x.fin.o'):
            if os.path.exists(os.path.join(self.work, stale)):
                os.unlink(os.path.join(self.work, stale))
        try:
            p = subprocess.run([self.objmanip] + argv, cwd=self.work,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE,
                               timeout=EXEC_TIMEOUT, preexec_fn=limits)
        except subprocess.TimeoutExpired:
            p = None
        self.execs += 1
        rc = 'timeout' if p is None else p.returncode
        self.exits[rc] = self.exits.get(rc, 0) + 1
        why = self.problem(p, argv[1])
        if why:
            self.save(data, tag, mode, argv, why, p)

    def save(self, data, tag, mode, argv, why, p):
        self.failures += 1
        print('# FAIL %s: %s in %s' % (tag, why, mode))
        if self.failures > MAX_SAVED:
            return
        os.makedirs(self.out, exist_ok=True)
        path = os.path.join(self.out, tag + '.o')
        with open(path, 'wb') as f:
            f.write(data)
        with open(os.path.join(self.out, tag + '.txt'), 'w') as f:
            f.write('%s: %s\n' % (mode, why))
            f.write('reproduce: cd %s && cp %s x.o && %s %s\n' % (
                self.work, path, self.objmanip, ' '.join(argv)))
            if p is not None:
                f.write(p.stderr.decode('latin-1'))
        print('#   saved %s (and .txt)' % path)


def setup_work(corpus, work):
    """The valid partners every mode needs, beside the input x.o."""
    os.makedirs(work, exist_ok=True)
    for name in ('pre.o', 'post.o', 'symvers'):
        shutil.copy(os.path.join(corpus, name), work)
    # keep-old-code reads the function list from OUT with .old -> .new
    shutil.copy(os.path.join(corpus, 'post.o.new'),
                os.path.join(work, 'x.ko.new'))


def seeds(corpus):
    """(name, base, bytes): the valid objects twice as often as the cases."""
    names = [(b, b) for b in Runner.BASE_MODES] * 2
    with open(os.path.join(corpus, 'cases')) as f:
        names += [(n + '.o', b) for n, b in
                  (line.split() for line in f if line.strip())]
    out = []
    for n, base in names:
        with open(os.path.join(corpus, n), 'rb') as f:
            out.append((n, base, f.read()))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--objmanip', required=True)
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--seconds', type=float, default=60)
    ap.add_argument('--iterations', type=int, default=20000)
    ap.add_argument('--seed', type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    args.objmanip = os.path.abspath(args.objmanip)
    args.out = os.path.abspath(args.out)
    for k, v in SANITIZER_ENV.items():
        os.environ.setdefault(k, v)

    work = os.path.join(args.out, 'work')
    shutil.rmtree(args.out, ignore_errors=True)
    setup_work(args.corpus, work)
    corpus = seeds(args.corpus)
    rng = random.Random(args.seed)
    runner = Runner(args, work)
    print('# fuzz: seed %d (FUZZ_SEED=%d replays it), at most %d inputs in '
          '%g s' % (args.seed, args.seed, args.iterations, args.seconds))
    sys.stdout.flush()
    start = time.monotonic()
    n = 0
    while n < args.iterations and time.monotonic() - start < args.seconds:
        name, base, data = rng.choice(corpus)
        mode = rng.choice(Runner.BASE_MODES[base])
        runner.run(mutate(rng, data), mode, 'seed%d-input%d-%s-%s' % (
            args.seed, n, name[:-2], mode))
        n += 1
    took = time.monotonic() - start
    print('# fuzz: %d inputs, %d executions in %.0f s (%.0f executions/min),'
          ' %d failures' % (n, runner.execs, took,
                            runner.execs * 60 / max(took, 1e-9),
                            runner.failures))
    print('# fuzz: exit statuses: %s' % ', '.join(
        '%s: %d' % (k, v) for k, v in sorted(runner.exits.items(), key=str)))
    # a smoke test that never gets past the reader tests nothing
    if n >= 50 and not runner.exits.get(0):
        print('# FAIL no input was accepted: objmanip never got past reading')
        runner.failures += 1
    if not runner.failures:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if runner.failures else 0


if __name__ == '__main__':
    sys.exit(main())
