"""Listing the raw sources (partition keys) and reading one into Documents.

Belongs here: walking the raw folder, building source keys (the Dagster
partition keys), and assembling ``Document``s from decoded, normalised,
structured text. Decoding, normalisation, structure and .jsonl parsing live in
their own modules.

What is a source: every ``.txt``/``.md`` file (extension case-insensitive) is
one source; every non-blank line of a ``.jsonl`` file is one source; every
``.html``/``.htm``/``.pdf``/``.docx`` file and every RSS/Atom feed file
(``.rss``/``.atom``/``.xml``, one document per item) is one source, read by
``ingest.formats``. Rights and provenance (``url``, ``license``,
``accessed_at``) come from the record, the front matter or the page itself,
else from the file's sidecar (``ingest.sidecar``: written by source
snapshots). A ``last.fetch-error`` file (left by a failed snapshot) is one
source that reads as an error row. Files in
subfolders are included (their path relative to the raw folder, with '/').
Ignored: hidden files and folders (name starting with '.'), editor and Office
temporaries (``~$x``, ``.#x``, ``x~``), and every other extension (.json
sidecars, images, ...: they are not reported as errors, because a raw folder
may legitimately hold notes or originals next to the sources). Symlinked files are
followed; symlinked folders are not (no loops).

Nothing vanishes: what cannot be listed or read is still a source unit, whose
reading gives an ``errors`` row saying why: an unreadable file (permissions, I/O
error), a broken or looping symbolic link, a symbolic link to a folder, a
device or pipe, and a subfolder that cannot be listed (its key is its path
ending in '/'; ``pipeline.accounting.carry_unreadable`` keeps the units last
read under it, so its documents stay published).

Keys: the relative path, plus ``#<id>`` or ``#L<line>`` for a .jsonl record
(see ``jsonl``). Keys are Dagster partition keys, so they must not contain
``...`` or control characters (Dagster rejects them) and should not contain
``,`` ``[`` ``]`` (the UI's partition-selection syntax) or ``|`` (the
multi-partition separator). Those characters, ``%`` and ``#`` (our fragment
separator) are percent-escaped (``%2C``; in a run of three or more dots every
dot becomes ``%2E``), deterministically and reversibly; ordinary paths,
Chinese file names and spaces are kept as they are. ``source_key_path``
inverts it. Keys may contain '/': a consumer that uses a key as a file name
must escape or hash it.

Cost: ``list_sources`` is called by the sensor on every tick. It stats every
file, and reads and hashes a file only when its size or modification time
changed since the last call in this process (an in-process cache); a .jsonl
file's JSON is parsed only for lines containing ``"id"``.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.budget import size_problem
from pipeline.ingest.decode import DecodeError, decode_bytes
from pipeline.ingest.formats import FORMAT_EXTENSIONS, FormatError, ReadContext, read_formatted
from pipeline.ingest.jsonl import JsonlLine, RecordError, index_lines, parse_record, record_fragments
from pipeline.ingest.metadata import parse_date, parse_timestamp, split_front_matter
from pipeline.ingest.normalize import normalize_line, normalize_text
from pipeline.ingest.sidecar import page_reader, read_sidecar, sidecar_path
from pipeline.ingest.structure import classify_lines, pick_title
from pipeline.records import Document, SourceError
from pipeline.rights import normalize_license

__all__ = [
    "SourceUnit",
    "list_sources",
    "read_source",
    "read_sources",
    "make_document",
    "doc_id_for",
    "escape_key",
    "source_key_path",
    "SUPPORTED_EXTENSIONS",
]

TEXT_EXTENSIONS = (".txt", ".md")
JSONL_EXTENSIONS = (".jsonl",)
# A source snapshot that failed leaves ``<name>/last.fetch-error`` (pipeline.snapshots): read as an error row.
FETCH_ERROR_EXTENSIONS = (".fetch-error",)
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS + JSONL_EXTENSIONS + FORMAT_EXTENSIONS + FETCH_ERROR_EXTENSIONS


@dataclass(frozen=True)
class SourceUnit:
    """One source: a text file, or one line of a .jsonl file."""

    key: str  # Dagster partition key
    path: str  # relative to the raw folder, posix
    line: int | None  # line number for a .jsonl record
    sha256: str  # of the raw bytes of the file (and its sidecar, when it has one), or of the .jsonl line


# ---------------------------------------------------------------- keys

_ESCAPED = frozenset("%#,[]|") | frozenset(chr(c) for c in (*range(0x20), 0x7F))
_DOT_RUN = re.compile(r"\.{3,}")


def escape_key(part: str) -> str:
    """Percent-escape the characters a partition key must not contain (see module doc)."""
    out = "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in part)
    return _DOT_RUN.sub(lambda m: "%2E" * len(m.group()), out)


def _unescape(part: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), part)


def source_key_path(key: str) -> tuple[str, str | None]:
    """Split a key into (relative path, record fragment or None), undoing the escaping."""
    path, sep, frag = key.partition("#")
    return _unescape(path), (_unescape(frag) if sep else None)


def make_key(rel_path: str, fragment: str | None = None) -> str:
    key = escape_key(rel_path)
    return key if fragment is None else f"{key}#{escape_key(fragment)}"


def doc_id_for(text: str) -> str:
    """``d`` + the first 16 hex digits of the sha256 of the normalised text (UTF-8)."""
    return "d" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- listing

def _is_ignored_name(name: str) -> bool:
    return name.startswith((".", "~$")) or name.endswith("~")


def _walk(raw_dir: Path) -> tuple[list[tuple[str, Path, os.stat_result]], list[tuple[str, str]]]:
    """Candidate files ``(relative posix path, full path, stat)`` sorted by path, and problems.

    Problems are ``(relative path, reason)`` of what cannot be listed or followed: a
    subfolder that cannot be listed (its path ends with '/'), a broken or looping
    symbolic link, a symbolic link to a folder (not followed). The raw folder itself
    not being listable raises ``OSError``.
    """
    found = []
    problems: list[tuple[str, str]] = []
    stack = [(str(raw_dir), "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            if not prefix:
                raise
            problems.append((prefix, f"cannot list the folder: {exc.strerror or exc}; the documents read "
                             "from it before are kept until it can be read again"))
            continue
        for entry in entries:
            name = entry.name
            if _is_ignored_name(name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, f"{prefix}{name}/"))
                    continue
                if entry.is_symlink() and os.path.isdir(entry.path):
                    problems.append((prefix + name, "a symbolic link to a folder: not followed "
                                     "(link the files, or move the folder into the raw folder)"))
                    continue
                if not name.lower().endswith(SUPPORTED_EXTENSIONS):
                    continue
                st = entry.stat()  # follows a symlinked file
            except OSError as exc:
                problem = _link_problem(entry.path, exc)
                if problem:
                    problems.append((prefix + name, problem))
                continue  # else it vanished since the folder was listed
            if stat.S_ISREG(st.st_mode):
                found.append((prefix + name, Path(entry.path), st))
            else:
                problems.append((prefix + name, "not a regular file (a device, pipe or socket)"))
    found.sort(key=lambda item: item[0])
    return found, sorted(problems)


def _link_problem(path: str, exc: OSError) -> str | None:
    """Why a file cannot be followed (a broken or looping symbolic link), or None when it vanished."""
    if not os.path.islink(path):
        return None if isinstance(exc, FileNotFoundError) else f"cannot read the file: {exc.strerror or exc}"
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop: the link points (through other links) back to itself"
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"a broken symbolic link: its target {target!r} does not exist"


def _problem_unit(rel: str, reason: str) -> SourceUnit:
    sha = hashlib.sha256(f"problem\t{rel}\t{reason}".encode("utf-8")).hexdigest()
    return SourceUnit(make_key(rel), rel, None, sha)


@dataclass(frozen=True)
class _Listing:
    stamp: tuple  # (size, mtime_ns, the sidecar's (size, mtime_ns) or None)
    units: tuple[SourceUnit, ...]
    lines: tuple[JsonlLine, ...] = ()  # .jsonl only, parallel to units
    fragments: tuple[str, ...] = ()
    by_fragment: dict[str, int] = field(default_factory=dict, compare=False)


_CACHE: dict[str, _Listing] = {}
_CACHE_LOCK = threading.Lock()


def _sidecar_stamp(full: Path) -> tuple[int, int] | None:
    try:
        st = sidecar_path(full).stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _unit_sha(data: bytes, full: Path, side_stamp) -> str:
    """The file's sha256; with a sidecar, a hash of both (a licence added later is a change)."""
    sha = hashlib.sha256(data).hexdigest()
    if side_stamp is None:
        return sha
    try:
        side = sidecar_path(full).read_bytes()
    except OSError:
        return sha
    return hashlib.sha256(f"{sha}:{hashlib.sha256(side).hexdigest()}".encode()).hexdigest()


def _listing(rel: str, full: Path, st: os.stat_result) -> _Listing:
    side_stamp = None if rel.lower().endswith(JSONL_EXTENSIONS) else _sidecar_stamp(full)
    stamp = (st.st_size, st.st_mtime_ns, side_stamp)
    cache_key = os.path.abspath(full)
    with _CACHE_LOCK:
        cached = _CACHE.get(cache_key)
    if cached is not None and cached.stamp == stamp:
        return cached
    data = full.read_bytes()
    if rel.lower().endswith(JSONL_EXTENSIONS):
        lines = index_lines(data)
        frags = record_fragments(lines)
        units = tuple(
            SourceUnit(make_key(rel, f), rel, ln.number, ln.sha256) for ln, f in zip(lines, frags)
        )
        if not units:  # an empty .jsonl is still a source: reading it reports the problem
            units = (SourceUnit(make_key(rel), rel, None, hashlib.sha256(data).hexdigest()),)
        by_fragment = {f: i for i, f in enumerate(frags)}
        listing = _Listing(stamp, units, tuple(lines), tuple(frags), by_fragment)
    else:
        listing = _Listing(stamp, (SourceUnit(make_key(rel), rel, None, _unit_sha(data, full, side_stamp)),))
    with _CACHE_LOCK:
        _CACHE[cache_key] = listing
    return listing


def list_sources(raw_dir: Path) -> list[SourceUnit]:
    """Every source unit under ``raw_dir``, sorted by path then line (see module doc).

    Hidden files, temporaries and unsupported extensions are ignored silently.
    A malformed .jsonl line still gets a unit, so that ``read_source`` reports it.
    """
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        return []
    units: list[SourceUnit] = []
    seen: set[str] = set()
    found, problems = _walk(raw_dir)
    for rel, full, st in found:
        seen.add(os.path.abspath(full))
        try:
            units.extend(_listing(rel, full, st).units)
        except OSError as exc:  # unreadable (permissions, I/O): reading it gives the error row
            units.append(_problem_unit(rel, f"cannot read the file: {exc.strerror or exc}"))
    units.extend(_problem_unit(rel, reason) for rel, reason in problems)
    units.sort(key=lambda u: (u.path, u.line or 0))
    _forget_missing(raw_dir, seen)
    return units


def _forget_missing(raw_dir: Path, seen: set[str]) -> None:
    """Drop cache entries of files under ``raw_dir`` that are gone (bounded memory)."""
    root = os.path.join(os.path.abspath(raw_dir), "")
    with _CACHE_LOCK:
        for path in [p for p in _CACHE if p.startswith(root) and p not in seen]:
            del _CACHE[path]


# ---------------------------------------------------------------- reading

def make_document(
    key: str,
    source_path: str,
    text: str,
    sha256: str,
    *,
    title: str | None = None,
    published_at=None,
    url: str | None = None,
    markdown: bool = False,
    license: str | None = None,
    accessed_at=None,
) -> Document | SourceError:
    """Normalise ``text``, find its structure and title, and build the Document.

    Returns a SourceError when nothing is left after normalisation.
    """
    norm = normalize_text(text, strip_indent=not markdown)
    if not norm:
        return SourceError(source_path, "empty text (nothing left after normalisation)", None, sha256)
    too_long = size_problem(len(norm))
    if too_long:
        return SourceError(source_path, too_long, None, sha256, kind="budget")
    blocks = classify_lines(norm, markdown=markdown)
    clean_title = normalize_line(title) if isinstance(title, str) else ""
    if not clean_title:
        clean_title = pick_title(norm, blocks)
    clean_url = url.strip() if isinstance(url, str) and url.strip() else None
    return Document(
        doc_id=doc_id_for(norm),
        source_key=key,
        source_path=source_path,
        title=clean_title,
        published_at=parse_date(published_at),
        url=clean_url,
        text=norm,
        sha256=sha256,
        blocks=blocks,
        license=normalize_license(license),
        accessed_at=parse_timestamp(accessed_at),
    )


def _read_raw(full: Path, rel: str) -> tuple[bytes, str] | SourceError:
    """A raw file's bytes and their sha256, or the error row of a file that cannot be read."""
    try:
        data = full.read_bytes()
    except OSError as exc:
        return SourceError(rel, f"cannot read the file: {exc.strerror or exc}")
    return data, hashlib.sha256(data).hexdigest()


def _read_text_file(raw_dir: Path, rel: str, key: str) -> tuple[list[Document], list[SourceError]]:
    full = raw_dir / rel
    raw = _read_raw(full, rel)
    if isinstance(raw, SourceError):
        return [], [raw]
    data, sha = raw
    try:
        text, _encoding = decode_bytes(data)
    except DecodeError as exc:
        return [], [SourceError(rel, exc.reason, None, sha)]
    meta, text = split_front_matter(text)
    side = read_sidecar(full)
    doc = make_document(
        key,
        rel,
        text,
        sha,
        title=meta.get("title"),
        published_at=meta.get("published_at", meta.get("date")),
        url=meta.get("url") or side.get("url"),
        markdown=rel.lower().endswith(".md"),
        license=meta.get("license") or side.get("license"),
        accessed_at=meta.get("accessed_at") or side.get("accessed_at"),
    )
    if isinstance(doc, SourceError):
        return [], [doc]
    return [doc], []


def _read_record(
    full: Path, rel: str, ln: JsonlLine, fragment: str, data: bytes | None = None, side: dict | None = None
) -> tuple[Document | None, SourceError | None]:
    side = side or {}
    if data is None:
        with open(full, "rb") as fh:
            fh.seek(ln.offset)
            raw = fh.read(ln.length)
    else:
        raw = data[ln.offset : ln.offset + ln.length]
    if hashlib.sha256(raw).hexdigest() != ln.sha256:
        return None, SourceError(rel, "the file changed while it was being read; it will be read again", ln.number, ln.sha256)
    try:
        obj = parse_record(raw)
    except RecordError as exc:
        return None, SourceError(rel, str(exc), ln.number, ln.sha256)
    doc = make_document(
        make_key(rel, fragment),
        f"{rel}#{fragment}",
        obj["text"],
        ln.sha256,
        title=obj.get("title"),
        published_at=obj.get("published_at"),
        url=obj.get("url") or side.get("url"),
        license=obj.get("license") or side.get("license"),
        accessed_at=obj.get("accessed_at") or side.get("accessed_at"),
    )
    if isinstance(doc, SourceError):
        reason = doc.reason if doc.kind == "budget" else "'text' is empty after normalisation"
        return None, SourceError(rel, reason, ln.number, ln.sha256, kind=doc.kind)
    return doc, None


def _folder_problem(full: Path) -> str:
    try:
        os.scandir(full).close()
    except OSError as exc:
        return (f"cannot list the folder: {exc.strerror or exc}; the documents read from it before "
                "are kept until it can be read again")
    return "the folder could not be listed (it can now: it will be read on the next build)"


def _read_formatted_file(raw_dir: Path, rel: str, fragment: str | None) -> tuple[list[Document], list[SourceError]]:
    """An HTML page, PDF, DOCX or feed (every item, or the item ``fragment``), via ``ingest.formats``."""
    full = raw_dir / rel
    raw = _read_raw(full, rel)
    if isinstance(raw, SourceError):
        return [], [raw]
    data, sha = raw
    side = read_sidecar(full)
    try:
        items = read_formatted(data, Path(rel).suffix, ReadContext(page_for=page_reader(full, side)))
    except FormatError as exc:
        return [], [SourceError(rel, exc.reason, None, sha)]
    if fragment is not None:
        items = [it for it in items if it.fragment == fragment]
        if not items:
            return [], [SourceError(rel, f"no item '#{fragment}' in the file (it changed since it was listed?)", None, sha)]
    docs: list[Document] = []
    empty: list[str] = []
    for item in items:
        doc = make_document(
            make_key(rel, item.fragment),
            rel if item.fragment is None else f"{rel}#{item.fragment}",
            item.text,
            sha,
            title=item.title,
            published_at=item.published_at,
            url=item.url or (side.get("url") if item.fragment is None else None),
            markdown=item.markdown,
            license=item.license or side.get("license"),
            accessed_at=side.get("accessed_at"),
        )
        if isinstance(doc, SourceError):
            empty.append(f"'#{item.fragment}'" if item.fragment else "the file")
        else:
            docs.append(doc)
    if not empty:
        return docs, []
    # one row per file (the errors table's key is the path and line)
    return docs, [SourceError(rel, f"no text left after normalisation: {', '.join(empty)}", None, sha)]


def _fetch_error(full: Path, rel: str) -> SourceError:
    """The error row of a failed source snapshot (its ``last.fetch-error`` file)."""
    try:
        data = full.read_bytes()
        info = json.loads(data)
        reason = f"source {info.get('source')!r} ({info.get('url')}) could not be fetched: {info.get('reason')}"
    except (OSError, ValueError, AttributeError):
        data, reason = b"", "a source snapshot failed (unreadable .fetch-error file)"
    return SourceError(rel, reason, None, hashlib.sha256(data).hexdigest() if data else None)


def _jsonl_listing(raw_dir: Path, rel: str) -> _Listing:
    full = raw_dir / rel
    return _listing(rel, full, full.stat())


def read_source(raw_dir: Path, key: str) -> tuple[list[Document], list[SourceError]]:
    """Read the source named by ``key``: its Documents, or SourceErrors saying why not.

    Never raises for bad input: a missing file, an undecodable, binary or empty
    file, or a malformed .jsonl line gives a SourceError (source_path is the
    file's relative path; ``line`` the .jsonl line number when it is about one
    line). A key naming a whole .jsonl file (no ``#``) reads every record.
    """
    raw_dir = Path(raw_dir)
    rel, fragment = source_key_path(key)
    if not rel or rel.startswith("/") or ".." in rel.split("/"):
        return [], [SourceError(rel or key, "not a path inside the raw folder")]
    full = raw_dir / rel
    if rel.endswith("/"):
        return [], [SourceError(rel, _folder_problem(full))]
    if not full.is_file():
        if os.path.islink(full) or full.is_dir():
            try:
                full.stat()
                reason = "a symbolic link to a folder: not followed (link the files, or move the folder into the raw folder)"
            except OSError as exc:
                reason = _link_problem(str(full), exc) or "file not found"
            return [], [SourceError(rel, reason)]
        if full.exists():
            return [], [SourceError(rel, "not a regular file (a device, pipe or socket)")]
        return [], [SourceError(rel, "file not found (removed or renamed since it was listed?)")]
    lower = rel.lower()
    if lower.endswith(FORMAT_EXTENSIONS):
        return _read_formatted_file(raw_dir, rel, fragment)
    if lower.endswith(FETCH_ERROR_EXTENSIONS):
        return [], [_fetch_error(full, rel)]
    if lower.endswith(TEXT_EXTENSIONS):
        if fragment is not None:
            return [], [SourceError(rel, f"a text file has no record '#{fragment}'")]
        return _read_text_file(raw_dir, rel, key)
    if not lower.endswith(JSONL_EXTENSIONS):
        return [], [SourceError(rel, "unsupported file type (expected " + ", ".join(SUPPORTED_EXTENSIONS) + ")")]
    try:
        listing = _jsonl_listing(raw_dir, rel)
    except OSError as exc:
        return [], [SourceError(rel, f"cannot read the file: {exc.strerror or exc}")]
    if not listing.lines:
        return [], [SourceError(rel, "empty file (no records)", None, listing.units[0].sha256)]
    wanted = range(len(listing.lines))
    if fragment is not None:
        found = listing.by_fragment.get(fragment)
        wanted = [] if found is None else [found]
        if not wanted:
            return [], [SourceError(rel, f"no record '#{fragment}' in the file (it changed since it was listed?)")]
    data = full.read_bytes() if fragment is None else None
    side = read_sidecar(full)
    docs: list[Document] = []
    errors: list[SourceError] = []
    for i in wanted:
        doc, err = _read_record(full, rel, listing.lines[i], listing.fragments[i], data, side)
        if doc is not None:
            docs.append(doc)
        if err is not None:
            errors.append(err)
    return docs, errors


def read_sources(raw_dir: Path, keys) -> list[tuple[str, list[Document], list[SourceError]]]:
    """``read_source`` for many keys (in order); a .jsonl file is indexed once for all its records."""
    return [(key, *read_source(raw_dir, key)) for key in keys]
