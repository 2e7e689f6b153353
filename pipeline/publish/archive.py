"""The one-file download: ``dataset-<version>.zip``.

The zip holds a single top folder ``dataset-<version>/`` with every file that
``SHA256SUMS`` lists plus ``SHA256SUMS`` itself, so ``sha256sum -c SHA256SUMS``
passes inside the unzipped folder too. Entries carry a fixed timestamp (the
release's creation time) so the archive does not depend on file system times.

Already-compressed files (Parquet) are stored; the others (CSV, SQLite, JSON,
Markdown) are deflated at level 1, in independent pieces so that the next
release can reuse them (the technique of ``pigz``):

- each file is cut into *chunks* at content-defined points (a line end where a
  hash of the surrounding line lengths and bytes is 0 mod 256, chunks of 16 KiB
  to 1 MiB), so inserting a row changes the chunks around it, not the cuts of
  the rest of the file;
- each chunk is deflated on its own (fresh compressor, ending with a sync
  flush, so its bits are byte-aligned and refer to nothing before it); the
  entry's deflate stream is the chunks' streams one after another plus a final
  empty block, which any inflater reads as one stream;
- ``write_zip`` returns an *index*: the SHA-1 of every chunk and where its
  compressed bytes lie in the zip. Given the previous release's zip and index,
  a chunk whose bytes are unchanged (most of them, after a small change) is
  copied from the previous zip instead of being deflated again.

Chunks deflated anew are compressed on two threads (zlib releases the GIL).
The zip is written by hand (no ZIP64: an archive of 4 GiB or more falls back
to ``zipfile``); its SHA-256 is computed while writing and registered with
``checksums``.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np

from pipeline.publish import checksums

STORED_SUFFIXES = {".parquet"}
DEFLATE_LEVEL = 1
CUT_MASK = 0xFF  # a line end is a cut candidate when its hash & CUT_MASK == 0
MIN_CHUNK = 16 << 10
MAX_CHUNK = 1 << 20
THREADS = 2
FINAL_BLOCK = b"\x03\x00"  # an empty final block with fixed Huffman codes
LIMIT = 0xFFFF_FFFF - (64 << 20)  # stay well below the sizes that need ZIP64
INDEX_FORMAT = 1


def chunk_ends(data: bytes | memoryview) -> list[int]:
    """End offsets of the content-defined chunks of ``data`` (the last one is ``len(data)``)."""
    n = len(data)
    if n <= MIN_CHUNK:
        return [n]
    arr = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 22  # in blocks: a boolean array of the whole file costs more in page faults than the scan
    nl = np.concatenate([np.flatnonzero(arr[i:i + step] == 10) + i for i in range(0, n, step)])
    cuts: list[int] = []
    if len(nl):
        # the line's length, the previous line's, and the 12 bytes around the line end
        lens = np.diff(nl, prepend=-1).astype(np.uint64)
        prev = np.concatenate([np.zeros(1, np.uint64), lens[:-1]])
        h = lens * np.uint64(0x9E3779B97F4A7C15) + prev * np.uint64(0xC2B2AE3D27D4EB4F)
        for k in range(-4, 9):
            if k:
                h = h * np.uint64(0x100000001B3) + arr[np.clip(nl + k, 0, n - 1)].astype(np.uint64)
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
        cuts = (nl[(h & np.uint64(CUT_MASK)) == 0] + 1).tolist()
    ends: list[int] = []
    start = 0
    for c in cuts + [n]:
        while c - start > MAX_CHUNK:  # no cut for long: fixed steps from the last cut
            start += MAX_CHUNK
            ends.append(start)
        if c - start >= MIN_CHUNK or c == n:
            ends.append(c)
            start = c
    if ends[-1] != n:
        ends.append(n)
    return ends


def _deflate(chunk) -> bytes:
    c = zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -15)
    return c.compress(chunk) + c.flush(zlib.Z_SYNC_FLUSH)


def _dos_time(created: datetime) -> tuple[int, int]:
    y, mo, d, h, mi, s = created.timetuple()[:6]
    y = max(y, 1980)
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def read_index(folder: Path, version: str) -> dict | None:
    """The chunk index of ``dataset-<version>.zip`` kept in ``folder``, or None."""
    path = Path(folder) / f"{version}.json"
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return index if index.get("format") == INDEX_FORMAT else None


def write_index(folder: Path, version: str, index: dict) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}.json"
    tmp = folder / f".{version}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(index), encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_zip(
    folder: Path,
    names: list[str],
    version: str,
    created: datetime,
    previous: tuple[Path, dict] | None = None,
    target: Path | None = None,
) -> tuple[Path, dict]:
    """Write ``folder/dataset-<version>.zip``; return its path and its chunk index.

    ``previous``: (path of the previous release's zip, its index), whose unchanged
    chunks are copied instead of deflated again. ``target``: write the zip there instead
    (the on-demand download of a partitioned release, ``downloads``).
    """
    folder = Path(folder)
    path = Path(target) if target is not None else folder / f"dataset-{version}.zip"
    sizes = sum((folder / n).stat().st_size for n in names)
    if sizes > LIMIT:
        return _write_zip64(folder, names, version, created, path), {}
    old_chunks: dict[str, tuple[int, int]] = {}
    old_zip = None
    if previous is not None:
        old_path, old_index = previous
        if old_index and old_index.get("zip_bytes") == (os.path.getsize(old_path) if os.path.exists(old_path) else -1):
            for chunks in old_index["members"].values():
                for digest, offset, length in chunks:
                    old_chunks[digest] = (offset, length)
            old_zip = open(old_path, "rb")
    dostime, dosdate = _dos_time(created)
    sha = hashlib.sha256()
    central = []
    index: dict = {"format": INDEX_FORMAT, "members": {}}
    reused = fresh = 0
    out = open(path, "wb")
    pos = 0

    def emit(data) -> int:
        nonlocal pos
        at = pos
        out.write(data)
        sha.update(data)
        pos += len(data)
        return at

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            for name in names:
                arcname = f"dataset-{version}/{name}".encode("utf-8")
                with open(folder / name, "rb") as fh:
                    data = fh.read()
                crc = zlib.crc32(data)
                stored = Path(name).suffix in STORED_SUFFIXES
                method = 0 if stored else 8
                view = memoryview(data)
                pieces: list = []  # bytes, or (offset, length) in the previous zip
                digests: list[str] = []
                if stored:
                    pieces = [view]
                else:
                    start = 0
                    todo: list[int] = []
                    for end in chunk_ends(view):
                        chunk = view[start:end]
                        digest = hashlib.sha1(chunk).hexdigest()
                        digests.append(digest)
                        if digest in old_chunks:
                            pieces.append(old_chunks[digest])
                            reused += 1
                        else:
                            pieces.append(chunk)
                            todo.append(len(pieces) - 1)
                            fresh += 1
                        start = end
                    for i, packed in zip(todo, pool.map(_deflate, [pieces[i] for i in todo])):
                        pieces[i] = packed
                    pieces.append(FINAL_BLOCK)
                csize = sum(p[1] if isinstance(p, tuple) else len(p) for p in pieces)
                header = struct.pack(
                    "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, dostime, dosdate,
                    crc, csize, len(data), len(arcname), 0,
                ) + arcname
                offset = emit(header)
                chunks = []
                for k, p in enumerate(pieces):
                    if isinstance(p, tuple):
                        old_zip.seek(p[0])
                        p = old_zip.read(p[1])
                    at = emit(p)
                    if not stored and k < len(digests):
                        chunks.append([digests[k], at, len(p)])
                if chunks:
                    index["members"][name] = chunks
                central.append(struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, method, dostime, dosdate,
                    crc, csize, len(data), len(arcname), 0, 0, 0, 0, 0o644 << 16, offset,
                ) + arcname)
        cd_offset = pos
        for entry in central:
            emit(entry)
        emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), pos - cd_offset, cd_offset, 0))
    finally:
        out.close()
        if old_zip is not None:
            old_zip.close()
    checksums.remember(path, sha.hexdigest())
    index["zip_bytes"] = pos
    index["chunks_reused"], index["chunks_deflated"] = reused, fresh
    return path, index


def _write_zip64(folder: Path, names: list[str], version: str, created: datetime, path: Path) -> Path:
    """The plain ``zipfile`` writer, for archives too large for the hand-written one."""
    stamp = created.timetuple()[:6]
    stamp = (max(stamp[0], 1980),) + tuple(stamp[1:])
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        for name in names:
            info = zipfile.ZipInfo(f"dataset-{version}/{name}", date_time=stamp)
            info.external_attr = 0o644 << 16
            if Path(name).suffix in STORED_SUFFIXES:
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                info._compresslevel = DEFLATE_LEVEL
            with open(folder / name, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
    return path
