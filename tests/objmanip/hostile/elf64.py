# SPDX-License-Identifier: GPL-2.0
"""Just enough of ELF64 little-endian to find and overwrite fields.

Shared by gen.py (the hostile corpus) and fuzz.py (the mutator): both
need the file offset of a given header, symbol or relocation field, not
a full reader.  Parsing never trusts the file: on anything odd the lists
simply come back shorter.
"""
import struct

EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
SHDR = struct.Struct('<IIQQQQIIQQ')
SYM = struct.Struct('<IBBHQQ')
RELA = struct.Struct('<QQq')

# field name -> (offset in the record, struct format)
EHDR_FIELDS = {
    'e_type': (16, '<H'), 'e_machine': (18, '<H'), 'e_version': (20, '<I'),
    'e_shoff': (40, '<Q'), 'e_flags': (48, '<I'), 'e_ehsize': (52, '<H'),
    'e_shentsize': (58, '<H'), 'e_shnum': (60, '<H'),
    'e_shstrndx': (62, '<H'),
}
SHDR_FIELDS = {
    'sh_name': (0, '<I'), 'sh_type': (4, '<I'), 'sh_flags': (8, '<Q'),
    'sh_addr': (16, '<Q'), 'sh_offset': (24, '<Q'), 'sh_size': (32, '<Q'),
    'sh_link': (40, '<I'), 'sh_info': (44, '<I'), 'sh_addralign': (48, '<Q'),
    'sh_entsize': (56, '<Q'),
}
SYM_FIELDS = {
    'st_name': (0, '<I'), 'st_info': (4, '<B'), 'st_other': (5, '<B'),
    'st_shndx': (6, '<H'), 'st_value': (8, '<Q'), 'st_size': (16, '<Q'),
}
RELA_FIELDS = {
    'r_offset': (0, '<Q'), 'r_info': (8, '<Q'), 'r_addend': (16, '<q'),
    'r_sym': (12, '<I'), 'r_type': (8, '<I'),
}

SHT_NULL, SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 0, 1, 2, 3, 4
SHT_NOBITS, SHT_SYMTAB_SHNDX = 8, 18
STT_SECTION = 3


class Elf:
    def __init__(self, data):
        self.data = bytearray(data)
        self.shoff = 0
        self.secs = []  # dicts: index, hdr (file offset), fields
        self.syms = []  # dicts: index, hdr, fields
        self.relas = []  # dicts: sec (rela section), hdr, fields
        try:
            self._parse()
        except (struct.error, IndexError, UnicodeDecodeError):
            pass

    def _parse(self):
        d = self.data
        if len(d) < EHDR.size or d[:4] != b'\x7fELF' or d[4] != 2:
            return
        e = EHDR.unpack_from(d, 0)
        self.shoff, shnum, shstrndx = e[6], e[12], e[13]
        if e[11] != SHDR.size:
            return
        for i in range(shnum):
            off = self.shoff + i * SHDR.size
            if off + SHDR.size > len(d):
                return
            v = SHDR.unpack_from(d, off)
            self.secs.append({'index': i, 'hdr': off,
                              **dict(zip(SHDR_FIELDS, v))})
        if shstrndx < len(self.secs):
            for s in self.secs:
                s['name'] = self.cstr(self.secs[shstrndx], s['sh_name'])
        for s in self.secs:
            if s['sh_type'] == SHT_SYMTAB:
                self._syms(s)
        for s in self.secs:
            if s['sh_type'] == SHT_RELA:
                self._relas(s)

    def cstr(self, strsec, off):
        start = strsec['sh_offset'] + off
        end = self.data.find(b'\0', start,
                             strsec['sh_offset'] + strsec['sh_size'])
        if start >= len(self.data) or end < 0:
            return ''
        return self.data[start:end].decode('latin-1')

    def _syms(self, st):
        n = st['sh_size'] // SYM.size
        strsec = self.secs[st['sh_link']] \
            if st['sh_link'] < len(self.secs) else None
        for i in range(n):
            off = st['sh_offset'] + i * SYM.size
            if off + SYM.size > len(self.data):
                return
            v = dict(zip(SYM_FIELDS, SYM.unpack_from(self.data, off)))
            v['name'] = self.cstr(strsec, v['st_name']) if strsec else ''
            self.syms.append({'index': i, 'hdr': off, **v})

    def _relas(self, rs):
        for i in range(rs['sh_size'] // RELA.size):
            off = rs['sh_offset'] + i * RELA.size
            if off + RELA.size > len(self.data):
                return
            v = RELA.unpack_from(self.data, off)
            self.relas.append({'sec': rs, 'hdr': off, 'r_offset': v[0],
                               'r_sym': v[1] >> 32,
                               'r_type': v[1] & 0xffffffff, 'r_addend': v[2]})

    def put(self, off, fmt, value):
        size = struct.calcsize(fmt)
        if off < 0 or off + size > len(self.data):
            return False
        if fmt[-1] in 'BHIQ':
            value &= (1 << (8 * size)) - 1
        else:
            value = ((value + (1 << 63)) % (1 << 64)) - (1 << 63)
        struct.pack_into(fmt, self.data, off, value)
        return True

    def set(self, rec, fields, name, value):
        off, fmt = fields[name]
        return self.put(rec['hdr'] + off, fmt, value)

    def set_ehdr(self, name, value):
        return self.set({'hdr': 0}, EHDR_FIELDS, name, value)

    def set_shdr(self, sec, name, value):
        return self.set(sec, SHDR_FIELDS, name, value)

    def set_sym(self, sym, name, value):
        return self.set(sym, SYM_FIELDS, name, value)

    def set_rela(self, rela, name, value):
        return self.set(rela, RELA_FIELDS, name, value)

    def section(self, name):
        for s in self.secs:
            if s.get('name') == name:
                return s
        raise KeyError('no section ' + name)

    def symbol(self, name):
        for s in self.syms:
            if s['name'] == name:
                return s
        raise KeyError('no symbol ' + name)

    def section_symbol(self, secname):
        idx = self.section(secname)['index']
        for s in self.syms:
            if s['st_info'] & 0xf == STT_SECTION and s['st_shndx'] == idx:
                return s
        raise KeyError('no section symbol for ' + secname)

    def relas_of(self, secname):
        return [r for r in self.relas
                if r['sec'].get('name') == '.rela' + secname]
