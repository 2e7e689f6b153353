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
No member is read whole: the cuts are found in 8 MiB blocks, then the chunks
are read, deflated and written 8 MiB at a time, and each member's local header
(CRC-32, compressed size) is written again once its data is out, so memory does
not grow with the files (a release's SQLite file can be a gigabyte).
The zip is written by hand (no ZIP64: an archive of 4 GiB or more falls back
to ``zipfile``); its SHA-256 is read back once it is written and registered
with ``checksums``.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
import struct
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np

from pipeline import atomic
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
SCAN_BLOCK = 8 << 20  # bytes read at a time to find the cuts
COPY_BLOCK = 1 << 20  # bytes read at a time to store a member
BATCH_BYTES = 8 << 20  # bytes of chunks read (and deflated on the threads) at a time


def chunk_ends(data: bytes | memoryview) -> list[int]:
    """End offsets of the content-defined chunks of ``data`` (the last one is ``len(data)``)."""
    return list(_ends_from_cuts(_line_cuts(io.BytesIO(data)), len(data)))


def file_chunk_ends(path: Path) -> list[int]:
    """``chunk_ends`` of a file's bytes, read in ``SCAN_BLOCK`` pieces (never the whole file)."""
    n = os.path.getsize(path)
    with open(path, "rb") as fh:
        return list(_ends_from_cuts(_line_cuts(fh), n))


def _line_cuts(fh, block: int = SCAN_BLOCK):
    """Cut candidates of the stream ``fh``, in order: a line end + 1 where the hash of the line's
    length, the previous line's and the 12 bytes around the line end (clipped to the stream) has
    its ``CUT_MASK`` bits 0. Reads ``block`` bytes at a time (plus 4 bytes before, 8 after)."""
    block = max(block, 8)  # the next block holds the 8 bytes after ``current``
    before = b""  # the 4 bytes before ``current``
    offset = 0  # stream offset of ``current``
    last_nl, last_len = -1, 0
    current = fh.read(block)
    while current:
        following = fh.read(block)
        arr = np.frombuffer(before + current + following[:8], dtype=np.uint8)
        base = offset - len(before)  # stream offset of arr[0]
        nl = np.flatnonzero(np.frombuffer(current, dtype=np.uint8) == 10) + offset
        if len(nl):
            lens = np.diff(nl, prepend=last_nl).astype(np.uint64)
            prev = np.concatenate([np.array([last_len], np.uint64), lens[:-1]])
            h = lens * np.uint64(0x9E3779B97F4A7C15) + prev * np.uint64(0xC2B2AE3D27D4EB4F)
            for k in range(-4, 9):
                if k:
                    h = h * np.uint64(0x100000001B3) + arr[np.clip(nl + k - base, 0, len(arr) - 1)].astype(np.uint64)
            h ^= h >> np.uint64(29)
            h *= np.uint64(0xBF58476D1CE4E5B9)
            h ^= h >> np.uint64(32)
            yield from (nl[(h & np.uint64(CUT_MASK)) == 0] + 1).tolist()
            last_nl, last_len = int(nl[-1]), int(lens[-1])
        before = (before + current)[-4:]
        offset += len(current)
        current = following


def _ends_from_cuts(cuts, n: int):
    """Chunk ends from the cut candidates: chunks of ``MIN_CHUNK`` to ``MAX_CHUNK`` bytes, the last ending at ``n``."""
    if n <= MIN_CHUNK:
        yield n
        return
    start = last = 0
    for c in itertools.chain(cuts, [n]):
        while c - start > MAX_CHUNK:  # no cut for long: fixed steps from the last cut
            start += MAX_CHUNK
            last = start
            yield start
        if c - start >= MIN_CHUNK or c == n:
            last = start = c
            yield c
    if last != n:
        yield n


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
    return atomic.write_text(Path(folder) / f"{version}.json", json.dumps(index))


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
    old_chunks, old_zip = _previous_chunks(previous)
    index: dict = {"format": INDEX_FORMAT, "members": {}}
    reused = fresh = 0
    writer = _ZipWriter(open(path, "wb"), *_dos_time(created))
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            for name in names:
                chunks, r, f = writer.add(folder / name, f"dataset-{version}/{name}".encode("utf-8"),
                                          old_chunks, old_zip, pool)
                reused, fresh = reused + r, fresh + f
                if chunks:
                    index["members"][name] = chunks
        writer.finish()
    finally:
        writer.out.close()
        if old_zip is not None:
            old_zip.close()
    checksums.sha256_file(path)  # read once, in blocks: each header is patched after its member's data
    index["zip_bytes"] = writer.pos
    index["chunks_reused"], index["chunks_deflated"] = reused, fresh
    return path, index


def _previous_chunks(previous: tuple[Path, dict] | None) -> tuple[dict[str, tuple[int, int]], object]:
    """The previous zip's deflated chunks (digest -> (offset, length)) and the zip opened for reading,
    when its index describes it (same size); else nothing and None."""
    old_chunks: dict[str, tuple[int, int]] = {}
    if previous is None:
        return old_chunks, None
    old_path, old_index = previous
    if not old_index or old_index.get("zip_bytes") != (os.path.getsize(old_path) if os.path.exists(old_path) else -1):
        return old_chunks, None
    for chunks in old_index["members"].values():
        for digest, offset, length in chunks:
            old_chunks[digest] = (offset, length)
    return old_chunks, open(old_path, "rb")


class _ZipWriter:
    """A zip written front to back: local headers (patched once a member's sizes are known),
    member data, then the central directory."""

    def __init__(self, out, dostime: int, dosdate: int):
        self.out, self.dostime, self.dosdate = out, dostime, dosdate
        self.pos = 0
        self.central: list[bytes] = []

    def emit(self, data) -> int:
        at = self.pos
        self.out.write(data)
        self.pos += len(data)
        return at

    def add(self, source: Path, arcname: bytes, old_chunks, old_zip, pool) -> tuple[list, int, int]:
        """One member, stored or deflated (reusing ``old_chunks``); its chunk index, chunks reused, deflated."""
        size = os.path.getsize(source)
        stored = source.suffix in STORED_SUFFIXES
        method = 0 if stored else 8
        offset = self.emit(_local_header(method, self.dostime, self.dosdate, 0, 0, size, arcname))  # patched below
        reused = fresh = 0
        with open(source, "rb") as fh:
            if stored:
                crc, csize, chunks = _store(fh, self.emit), size, []
            else:
                crc, csize, chunks, reused, fresh = _deflate_chunks(fh, file_chunk_ends(source), old_chunks, old_zip,
                                                                    pool, self.emit)
        end = self.pos
        self.out.seek(offset)
        self.out.write(_local_header(method, self.dostime, self.dosdate, crc, csize, size, arcname))
        self.out.seek(end)
        self.central.append(struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, (3 << 8) | 20, 20, 0, method, self.dostime, self.dosdate,
            crc, csize, size, len(arcname), 0, 0, 0, 0, 0o644 << 16, offset,
        ) + arcname)
        return chunks, reused, fresh

    def finish(self) -> None:
        """The central directory and its end record."""
        cd_offset = self.pos
        for entry in self.central:
            self.emit(entry)
        self.emit(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(self.central), len(self.central),
                              self.pos - cd_offset, cd_offset, 0))


def _local_header(method: int, dostime: int, dosdate: int, crc: int, csize: int, size: int, arcname: bytes) -> bytes:
    return struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, method, dostime, dosdate, crc, csize, size, len(arcname), 0,
    ) + arcname


def _store(fh, emit) -> int:
    """Copy ``fh`` into the zip in ``COPY_BLOCK`` pieces; its CRC-32."""
    crc = 0
    while block := fh.read(COPY_BLOCK):
        crc = zlib.crc32(block, crc)
        emit(block)
    return crc


def _deflate_chunks(fh, ends: list[int], old_chunks: dict, old_zip, pool, emit) -> tuple:
    """Deflate ``fh`` chunk by chunk into the zip, ``BATCH_BYTES`` of chunks at a time (the new
    ones on ``pool``); a chunk found in ``old_chunks`` is copied from ``old_zip``.
    Returns (CRC-32, compressed size, [[SHA-1, offset, length] per chunk], reused, deflated)."""
    crc = csize = reused = fresh = 0
    chunks: list = []
    start = 0
    batch: list = []  # (digest, raw chunk or None, offset in the old zip or None)

    def flush() -> None:
        nonlocal csize
        packed = iter(pool.map(_deflate, [raw for _, raw, _ in batch if raw is not None]))
        for digest, raw, old in batch:
            if raw is None:
                old_zip.seek(old[0])
                data = old_zip.read(old[1])
            else:
                data = next(packed)
            chunks.append([digest, emit(data), len(data)])
            csize += len(data)
        batch.clear()

    held = 0
    for end in ends:
        raw = fh.read(end - start)
        start = end
        crc = zlib.crc32(raw, crc)
        digest = hashlib.sha1(raw).hexdigest()
        if digest in old_chunks:
            batch.append((digest, None, old_chunks[digest]))
            reused += 1
        else:
            batch.append((digest, raw, None))
            held += len(raw)
            fresh += 1
        if held >= BATCH_BYTES:
            flush()
            held = 0
    flush()
    emit(FINAL_BLOCK)
    return crc, csize + len(FINAL_BLOCK), chunks, reused, fresh


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
