"""Publishing streams its files: the zip writer (``pipeline.publish.archive``) and the CSV writer
(``pipeline.publish.files``) give the same bytes as when they held a whole file.

The members are read in blocks (``SCAN_BLOCK``, ``COPY_BLOCK``, ``BATCH_BYTES``); the cuts, the
zip's bytes and its chunk index must not depend on those block sizes, and the zip must hold every
file's bytes unchanged, on a first release and on one that reuses the previous zip's chunks.
"""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import datetime, timezone

import pytest

from pipeline.publish import archive, checksums

CREATED = datetime(2026, 12, 5, tzinfo=timezone.utc)


def _lines(seed: int, count: int) -> list[bytes]:
    rng = random.Random(seed)
    return [b"%07d,%s" % (i, bytes(rng.choice(b"abcdefghij\xe4\xb8\xad") for _ in range(rng.randint(5, 150))))
            for i in range(count)]


def _files(folder, csv_lines: list[bytes]) -> list[str]:
    """A release-like folder: a multi-chunk CSV, a stored Parquet-named file, an empty file,
    a small file, a file of more than MAX_CHUNK bytes without line ends; the names."""
    rng = random.Random(3)
    contents = {
        "big.csv": b"\n".join(csv_lines) + b"\n",
        "t.parquet": rng.randbytes(300_000),
        "empty.json": b"",
        "small.md": b"# title\n" * 50,
        "noline.sqlite": b"x" * (2 * archive.MAX_CHUNK + 77),
    }
    for name, data in contents.items():
        (folder / name).write_bytes(data)
    return sorted(contents)


def _small_blocks(monkeypatch) -> None:
    monkeypatch.setattr(archive, "SCAN_BLOCK", 4096)
    monkeypatch.setattr(archive, "COPY_BLOCK", 1000)
    monkeypatch.setattr(archive, "BATCH_BYTES", 50_000)


CUT_CASES = [
    # (data, what it covers)
    (b"", "empty"),
    (b"abc\n", "shorter than MIN_CHUNK"),
    (b"\n" * 40_000, "only line ends"),
    (b"y" * (3 * archive.MAX_CHUNK + 5), "no line end: fixed steps"),
    (b"\n".join(_lines(1, 6_000)), "rows, no final line end"),
    (b"\n".join(_lines(2, 6_000)) + b"\n", "rows and a final line end"),
]


@pytest.mark.parametrize("data,_what", CUT_CASES, ids=[w for _, w in CUT_CASES])
@pytest.mark.parametrize("block", [1, 9, 4096, 1 << 23])
def test_cuts_read_in_blocks_equal_the_cuts_of_the_whole_bytes(data, _what, block):
    whole = archive.chunk_ends(data)
    streamed = list(archive._ends_from_cuts(archive._line_cuts(io.BytesIO(data), block), len(data)))
    assert streamed == whole
    assert whole[-1] == len(data) and all(b - a <= archive.MAX_CHUNK for a, b in zip([0] + whole, whole))


def test_cuts_differ_when_a_byte_near_a_block_seam_differs():
    data = bytearray(b"\n".join(_lines(4, 3_000)))
    ends = archive.chunk_ends(bytes(data))
    seam = ends[1] - 1  # a line end that is a cut: changing the byte after it changes its hash
    data[seam + 2] = ord("#") if data[seam + 2] != ord("#") else ord("%")
    streamed = list(archive._ends_from_cuts(archive._line_cuts(io.BytesIO(bytes(data)), seam + 1), len(data)))
    assert streamed == archive.chunk_ends(bytes(data))  # the bytes after a seam are read across it


def _zip_bytes(folder, names, version, previous=None, label=""):
    path, index = archive.write_zip(folder, names, version, CREATED, previous=previous,
                                    target=folder / f"{version}{label}.zip")
    return path, index, path.read_bytes()


def test_zip_does_not_depend_on_the_block_sizes_and_holds_every_file(tmp_path, monkeypatch):
    names = _files(tmp_path, _lines(5, 20_000))
    path, index, data = _zip_bytes(tmp_path, names, "v1")
    _small_blocks(monkeypatch)
    _, index_s, data_s = _zip_bytes(tmp_path, names, "v1", label="-small-blocks")
    assert data_s == data
    assert [c[0] for c in index_s["members"]["big.csv"]] == [c[0] for c in index["members"]["big.csv"]]
    assert checksums.sha256_file(path) == hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        for name in names:
            info = zf.getinfo(f"dataset-v1/{name}")
            assert zf.read(info) == (tmp_path / name).read_bytes()
            assert info.compress_type == (zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED)
    assert "t.parquet" not in index["members"] and len(index["members"]["big.csv"]) > 5


def test_zip_that_reuses_the_previous_chunks_holds_the_new_bytes(tmp_path, monkeypatch):
    lines = _lines(6, 20_000)
    names = _files(tmp_path, lines)
    first, first_index, _ = _zip_bytes(tmp_path, names, "v1")
    (tmp_path / "big.csv").write_bytes(b"\n".join(lines[:10_000] + [b"a new row"] + lines[10_000:]) + b"\n")
    _, index, data = _zip_bytes(tmp_path, names, "v2", previous=(first, first_index))
    _small_blocks(monkeypatch)
    _, index_s, data_s = _zip_bytes(tmp_path, names, "v2", previous=(first, first_index), label="-small-blocks")
    assert index["chunks_reused"] > 5 and index["chunks_deflated"] <= 3  # a row changes the chunk around it
    assert data_s == data and index_s["chunks_reused"] == index["chunks_reused"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        assert zf.read("dataset-v2/big.csv") == (tmp_path / "big.csv").read_bytes()


def _csv_table():
    import pyarrow as pa

    return pa.table({
        "text": pa.array(["x", None, 'a "quote"', "中,文", "two\nlines", "ok"] * 5),
        "n": pa.array([1, None, 3, 4, 5, 6] * 5, pa.int64()),
        "tags": pa.array([["a", "b"], None, [], ["c"], ["d|e"], ["f"]] * 5, pa.list_(pa.string())),
    })


@pytest.mark.parametrize("rows", [1, 7, 30, 100_000])
@pytest.mark.parametrize("count", [0, 1, 30])
def test_csv_in_pieces_equals_the_csv_of_the_whole_table(rows, count):
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    from pipeline.publish import files

    table = _csv_table().slice(0, count)
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(files.csv_ready(table), sink)
    assert b"".join(p.to_pybytes() for p in files.csv_pieces(table, rows)) == sink.getvalue().to_pybytes()


@pytest.mark.parametrize("cuts", [[], [0], [12], [5, 6, 29], [30]])
def test_csv_of_a_table_in_parts_equals_the_csv_of_the_whole(tmp_path, cuts):
    from pipeline.publish import files

    table = _csv_table()
    bounds = [0, *cuts, table.num_rows]
    files.write_csv(table, tmp_path / "whole.csv")
    files.write_csv_parts([table.slice(a, b - a) for a, b in zip(bounds, bounds[1:])], tmp_path / "parts.csv")
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert checksums.sha256_file(tmp_path / "parts.csv") == hashlib.sha256((tmp_path / "whole.csv").read_bytes()).hexdigest()
