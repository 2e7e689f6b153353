"""The one-file download: ``dataset-<version>.zip``.

The zip holds a single top folder ``dataset-<version>/`` with every file that
``SHA256SUMS`` lists plus ``SHA256SUMS`` itself, so ``sha256sum -c SHA256SUMS``
passes inside the unzipped folder too. Entries carry a fixed timestamp (the
release's creation time) so the archive does not depend on file system times.
"""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

# Already-compressed formats are stored (deflating Parquet again gains ~nothing and
# costs most of the zip's time); the rest (CSV, SQLite, JSON, Markdown) is deflated
# at a low level: level 1 is several times faster than the default 6 and only a
# little larger on these files.
STORED_SUFFIXES = {".parquet"}
DEFLATE_LEVEL = 1


def write_zip(folder: Path, names: list[str], version: str, created: datetime) -> Path:
    folder = Path(folder)
    path = folder / f"dataset-{version}.zip"
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
                # ZipInfo's level (``compress_level`` from Python 3.13, which keeps this alias)
                info._compresslevel = DEFLATE_LEVEL
            with open(folder / name, "rb") as src, zf.open(info, "w", force_zip64=True) as dst:
                while block := src.read(1 << 20):
                    dst.write(block)
    return path
