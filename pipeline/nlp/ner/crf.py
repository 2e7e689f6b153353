"""The trained CRF: a compact weight file, and a per-convention crfsuite model made from it at load time.

``train-ner`` trains with python-crfsuite; ``CrfModel.from_crfsuite`` reads
the binary model crfsuite wrote (its documented ``lCRF``/``FOMC`` layout:
feature records, two CQDB string tables, reference lists) and ``save`` keeps
what tagging needs, the labels, the transition weights, the attribute strings
and the non-zero state weights, in ``crf.npz`` (a fraction of crfsuite's
file, whose hash tables and references can be rebuilt).

Every feature is trained twice, shared and per annotation convention (``x``
and ``x@b``; ``train.sequences``). Tagging in convention ``b`` scores
``w(x) + w(x@b)`` for every shared feature ``x``, so ``CrfModel.folded("b")``
adds the convention's weights onto the shared ones once and writes a crfsuite
model over the shared attribute strings only (``to_crfsuite``); the tagger
then builds and crfsuite looks up half as many strings per character. The
scores, hence the labels, are those of the unfolded model (up to floating
point rounding in the additions); ``tests/test_ner.py`` checks the equality.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from pathlib import Path

import numpy as np

from pipeline.cache import write_atomic

SEP = "\x00"  # joins the strings in the .npz (crfsuite's strings are NUL-terminated, so never contain it)
_M32 = 0xFFFFFFFF


def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _M32


def hashlittle(key: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle``, the hash of crfsuite's CQDB string tables."""
    length = len(key)
    a = b = c = (0xDEADBEEF + length + initval) & _M32
    i = 0
    while length > 12:
        a = (a + int.from_bytes(key[i:i + 4], "little")) & _M32
        b = (b + int.from_bytes(key[i + 4:i + 8], "little")) & _M32
        c = (c + int.from_bytes(key[i + 8:i + 12], "little")) & _M32
        a = (a - c) & _M32; a ^= _rot(c, 4); c = (c + b) & _M32  # noqa: E702
        b = (b - a) & _M32; b ^= _rot(a, 6); a = (a + c) & _M32  # noqa: E702
        c = (c - b) & _M32; c ^= _rot(b, 8); b = (b + a) & _M32  # noqa: E702
        a = (a - c) & _M32; a ^= _rot(c, 16); c = (c + b) & _M32  # noqa: E702
        b = (b - a) & _M32; b ^= _rot(a, 19); a = (a + c) & _M32  # noqa: E702
        c = (c - b) & _M32; c ^= _rot(b, 4); b = (b + a) & _M32  # noqa: E702
        length -= 12
        i += 12
    if length == 0:
        return c
    tail = key[i:] + b"\0" * (12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & _M32
    b = (b + int.from_bytes(tail[4:8], "little")) & _M32
    c = (c + int.from_bytes(tail[8:12], "little")) & _M32
    c ^= b; c = (c - _rot(b, 14)) & _M32  # noqa: E702
    a ^= c; a = (a - _rot(c, 11)) & _M32  # noqa: E702
    b ^= a; b = (b - _rot(a, 25)) & _M32  # noqa: E702
    c ^= b; c = (c - _rot(b, 16)) & _M32  # noqa: E702
    a ^= c; a = (a - _rot(c, 4)) & _M32  # noqa: E702
    b ^= a; b = (b - _rot(a, 14)) & _M32  # noqa: E702
    c ^= b; c = (c - _rot(b, 24)) & _M32  # noqa: E702
    return c


def hashlittle_many(keys: list[bytes]) -> list[int]:
    """``hashlittle`` of many keys at once (numpy, grouped by block count): the same values, faster."""
    out = np.zeros(len(keys), dtype=np.uint32)
    lengths = np.array([len(k) for k in keys], dtype=np.int64)
    blocks = np.maximum(lengths - 1, 0) // 12  # full 12-byte blocks before the last (1..12 bytes) one
    with np.errstate(over="ignore"):
        for nb in np.unique(blocks):
            idx = np.nonzero(blocks == nb)[0]
            width = 12 * (int(nb) + 1)
            buf = np.zeros((len(idx), width), dtype=np.uint8)
            for row, i in enumerate(idx):
                k = keys[i]
                buf[row, :len(k)] = np.frombuffer(k, dtype=np.uint8)
            words = buf.view("<u4").astype(np.uint32)
            a = (np.uint32(0xDEADBEEF) + lengths[idx].astype(np.uint32)).astype(np.uint32)
            b = a.copy()
            c = a.copy()

            def rot(x, k):
                return (x << np.uint32(k)) | (x >> np.uint32(32 - k))

            for blk in range(int(nb)):
                a = a + words[:, 3 * blk]
                b = b + words[:, 3 * blk + 1]
                c = c + words[:, 3 * blk + 2]
                a = a - c; a ^= rot(c, 4); c = c + b  # noqa: E702
                b = b - a; b ^= rot(a, 6); a = a + c  # noqa: E702
                c = c - b; c ^= rot(b, 8); b = b + a  # noqa: E702
                a = a - c; a ^= rot(c, 16); c = c + b  # noqa: E702
                b = b - a; b ^= rot(a, 19); a = a + c  # noqa: E702
                c = c - b; c ^= rot(b, 4); b = b + a  # noqa: E702
            a = a + words[:, 3 * int(nb)]
            b = b + words[:, 3 * int(nb) + 1]
            c = c + words[:, 3 * int(nb) + 2]
            c ^= b; c = c - rot(b, 14)  # noqa: E702
            a ^= c; a = a - rot(c, 11)  # noqa: E702
            b ^= a; b = b - rot(a, 25)  # noqa: E702
            c ^= b; c = c - rot(b, 16)  # noqa: E702
            a ^= c; a = a - rot(c, 4)  # noqa: E702
            b ^= a; b = b - rot(a, 14)  # noqa: E702
            c ^= b; c = c - rot(b, 24)  # noqa: E702
            out[idx] = c
    out[lengths == 0] = 0xDEADBEEF  # hashlittle returns before mixing for an empty key
    return out.tolist()


def _read_cqdb(buf: bytes, start: int, count: int) -> list[bytes]:
    """The ``count`` strings of a CQDB chunk in id order (through its backward array)."""
    _chunk, _size, _flag, _order, _bwd_size, bwd_offset = struct.unpack_from("<4sIIIII", buf, start)
    out = []
    for off in struct.unpack_from(f"<{count}I", buf, start + bwd_offset):
        p = start + off
        _id, ksize = struct.unpack_from("<iI", buf, p)
        out.append(bytes(buf[p + 8:p + 8 + ksize - 1]))
    return out


def _write_cqdb(strings: list[bytes]) -> bytes:
    """A CQDB chunk mapping ``strings[i]`` <-> ``i`` (crfsuite's cqdb_writer, byte for byte)."""
    header_size, n_tables = 24, 256
    data = io.BytesIO()
    cur = header_size + 8 * n_tables
    tables: list[list[tuple[int, int]]] = [[] for _ in range(n_tables)]
    bwd = []
    keys = [s + b"\0" for s in strings]
    for i, (key, hv) in enumerate(zip(keys, hashlittle_many(keys))):
        data.write(struct.pack("<iI", i, len(key)))
        data.write(key)
        tables[hv % 256].append((hv, cur))
        bwd.append(cur)
        cur += 8 + len(key)
    refs = []
    buckets = io.BytesIO()
    for table in tables:
        n = 2 * len(table)
        refs.append((cur if table else 0, n))
        if not table:
            continue
        slots = [(0, 0)] * n
        for hv, off in table:
            k = (hv >> 8) % n
            while slots[k][1] != 0:
                k = (k + 1) % n
            slots[k] = (hv, off)
        buckets.write(struct.pack(f"<{2 * n}I", *(x for slot in slots for x in slot)))
        cur += 8 * n
    bwd_offset = cur
    bwd_size = 0
    while bwd_size < len(strings):  # crfsuite grows its backward array by doubling
        bwd_size = (bwd_size + 1) * 2
    body = data.getvalue() + buckets.getvalue() + struct.pack(f"<{len(bwd)}I", *bwd)
    size = header_size + 8 * n_tables + len(body)
    head = struct.pack("<4sIIIII", b"CQDB", size, 0, 0x62445371, bwd_size if strings else 0,
                       bwd_offset if strings else 0)
    return head + struct.pack(f"<{2 * n_tables}I", *(x for r in refs for x in r)) + body


class CrfModel:
    """Labels, transitions (L x L) and sparse state weights (attribute, label, weight) over attribute strings."""

    def __init__(self, labels: list[str], transitions: np.ndarray, attrs: list[str],
                 feat_attr: np.ndarray, feat_label: np.ndarray, feat_weight: np.ndarray):
        self.labels = labels
        self.transitions = transitions
        self.attrs = attrs
        self.feat_attr = feat_attr
        self.feat_label = feat_label
        self.feat_weight = feat_weight

    # -- crfsuite's binary model ------------------------------------------------------------
    @classmethod
    def from_crfsuite(cls, path: Path) -> CrfModel:
        """Read a model file written by crfsuite (exact weights)."""
        buf = Path(path).read_bytes()
        (magic, _size, mtype, _version, _nf, n_labels, n_attrs, off_feat, off_labels, off_attrs,
         _off_lref, _off_aref) = struct.unpack_from("<4sI4sIIIIIIIII", buf, 0)
        if magic != b"lCRF" or mtype != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model")
        _chunk, _csize, n_feat = struct.unpack_from("<4sII", buf, off_feat)
        rec = np.frombuffer(buf, dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]),
                            count=n_feat, offset=off_feat + 12)
        labels = [s.decode("utf-8") for s in _read_cqdb(buf, off_labels, n_labels)]
        attrs = [s.decode("utf-8", "surrogateescape") for s in _read_cqdb(buf, off_attrs, n_attrs)]
        trans = np.zeros((n_labels, n_labels))
        t = rec[rec["type"] == 1]
        trans[t["src"], t["dst"]] = t["w"]
        s = rec[rec["type"] == 0]
        return cls(labels, trans, attrs, s["src"].astype(np.int32), s["dst"].astype(np.int8), s["w"].astype(np.float64))

    def to_crfsuite(self) -> bytes:
        """This model as a crfsuite model file (for ``pycrfsuite.Tagger.open_inmemory``)."""
        n_lab = len(self.labels)
        ti, tj = np.nonzero(self.transitions)
        order = np.lexsort((self.feat_label, self.feat_attr))
        fa, fl, fw = self.feat_attr[order], self.feat_label[order], self.feat_weight[order]
        n_trans = len(ti)
        rec = np.zeros(n_trans + len(fa), dtype=np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("w", "<f8")]))
        rec["type"][:n_trans] = 1
        rec["src"][:n_trans] = ti
        rec["dst"][:n_trans] = tj
        rec["w"][:n_trans] = self.transitions[ti, tj]
        rec["src"][n_trans:] = fa
        rec["dst"][n_trans:] = fl
        rec["w"][n_trans:] = fw
        out = bytearray(48)
        off_feat = len(out)
        out += struct.pack("<4sII", b"FEAT", 12 + 20 * len(rec), len(rec)) + rec.tobytes()
        off_labels = len(out)
        out += _write_cqdb([lab.encode("utf-8") for lab in self.labels])
        off_attrs = len(out)
        out += _write_cqdb([a.encode("utf-8", "surrogateescape") for a in self.attrs])

        def refs(chunk: bytes, groups: list[np.ndarray]) -> None:
            while len(out) % 4:
                out.append(0)
            begin = len(out)
            pos = begin + 12 + 4 * len(groups)
            offsets, body = [], []
            for g in groups:
                offsets.append(pos)
                body.append(struct.pack(f"<I{len(g)}I", len(g), *g.tolist()))
                pos += 4 + 4 * len(g)
            out.extend(struct.pack(f"<4sII{len(groups)}I", chunk, pos - begin, len(groups), *offsets))
            out.extend(b"".join(body))

        off_lref = (len(out) + 3) // 4 * 4
        refs(b"LFRF", [np.nonzero(ti == k)[0] for k in range(n_lab)])
        off_aref = (len(out) + 3) // 4 * 4
        bounds = np.searchsorted(fa, np.arange(len(self.attrs) + 1))
        refs(b"AFRF", [np.arange(bounds[k], bounds[k + 1]) + n_trans for k in range(len(self.attrs))])
        struct.pack_into("<4sI4sIIIIIIIII", out, 0, b"lCRF", len(out), b"FOMC", 100, 0, n_lab, len(self.attrs),
                         off_feat, off_labels, off_attrs, off_lref, off_aref)
        return bytes(out)

    # -- the shipped file ---------------------------------------------------------------------
    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            labels=np.frombuffer(SEP.join(self.labels).encode("utf-8"), dtype=np.uint8),
            attrs=np.frombuffer(SEP.join(self.attrs).encode("utf-8", "surrogateescape"), dtype=np.uint8),
            transitions=self.transitions,
            feat_attr=self.feat_attr, feat_label=self.feat_label, feat_weight=self.feat_weight,
        )

    @classmethod
    def load(cls, path: Path) -> CrfModel:
        """A ``.npz`` written by ``save``, or a crfsuite model file."""
        path = Path(path)
        if path.suffix != ".npz":
            return cls.from_crfsuite(path)
        with np.load(path) as z:
            labels = z["labels"].tobytes().decode("utf-8").split(SEP)
            attrs = z["attrs"].tobytes().decode("utf-8", "surrogateescape").split(SEP)
            return cls(labels, z["transitions"], attrs, z["feat_attr"], z["feat_label"], z["feat_weight"])

    # -- conventions ----------------------------------------------------------------------------
    def folded(self, convention, conventions: tuple[str, ...]) -> CrfModel:
        """The model over shared attributes only, each with w(x) + w(x@convention) (None: w(x)).

        ``convention`` may also be a {convention: factor} mapping: w(x) + sum of factor * w(x@c).
        """
        suffixes = {"@" + c for c in conventions}
        if convention is None:
            factors: dict[str, float] = {}
        elif isinstance(convention, str):
            factors = {"@" + convention: 1.0}
        else:
            factors = {"@" + c: f for c, f in convention.items()}
        index: dict[str, int] = {}
        rows = np.empty(len(self.attrs), dtype=np.int64)
        scale = np.ones(len(self.attrs))
        for i, a in enumerate(self.attrs):
            base = a
            if a[-2:] in suffixes and not a[:-2].endswith("="):  # a convention copy (values are never empty)
                f = factors.get(a[-2:])
                if not f:
                    rows[i] = -1
                    continue
                scale[i] = f
                base = a[:-2]
            rows[i] = index.setdefault(base, len(index))
        keep = rows[self.feat_attr] >= 0
        n_lab = len(self.labels)
        w = np.zeros(len(index) * n_lab)
        key = rows[self.feat_attr][keep] * n_lab + self.feat_label[keep].astype(np.int64)
        np.add.at(w, key, self.feat_weight[keep] * scale[self.feat_attr][keep])
        nz = np.nonzero(w)[0]
        return CrfModel(self.labels, self.transitions, list(index), (nz // n_lab).astype(np.int32),
                        (nz % n_lab).astype(np.int8), w[nz])

    def tagger(self, convention: str | None, conventions: tuple[str, ...]) -> InMemoryTagger:
        """A crfsuite tagger over the folded model of ``convention``."""
        return InMemoryTagger(self.folded(convention, conventions).to_crfsuite())


def cached_tagger(path: Path, convention, conventions: tuple[str, ...], cache_dir: Path | None) -> InMemoryTagger:
    """``CrfModel.load(path).tagger(convention, conventions)``, with the folded model kept on disk.

    Folding and writing crfsuite's format takes about half a second; a process
    that only tags a few documents (an incremental build) would spend most of
    its NLP time on it. The folded model is therefore written once to
    ``cache_dir`` under a name made of the weight file's SHA-256 and the
    convention, and later processes read it back. A cache that cannot be read
    or written is simply not used.
    """
    path = Path(path)
    if cache_dir is None:
        return CrfModel.load(path).tagger(convention, conventions)
    key = hashlib.sha256(path.read_bytes()).hexdigest()[:20]
    conv = "shared" if convention is None else json.dumps(convention, sort_keys=True) if not isinstance(convention, str) else convention
    name = f"{path.stem}-{key}-{hashlib.sha256(conv.encode()).hexdigest()[:8]}.crfsuite"
    target = Path(cache_dir) / name
    try:
        return InMemoryTagger(target.read_bytes())
    except OSError:
        pass
    tagger = CrfModel.load(path).tagger(convention, conventions)
    write_atomic(target, tagger.model)
    return tagger


class InMemoryTagger:
    """``pycrfsuite.Tagger`` opened on model bytes, which it keeps alive (crfsuite does not copy them)."""

    def __init__(self, model: bytes):
        import pycrfsuite

        self.model = model
        self._tagger = pycrfsuite.Tagger()
        self._tagger.open_inmemory(model)
        self.tag = self._tagger.tag
