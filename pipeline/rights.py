"""Rights: which licence a source states, and whether its full text may be republished.

Belongs here: turning a licence as written (an SPDX id, a Creative Commons
address, "CC BY 4.0") into one identifier, and deciding from it whether a
document's text is published (``PIPELINE_PUBLISH_TEXT``). The list of
redistributable licences is data: ``data/rights/licences.yaml`` (it says why).

Policies (``PIPELINE_PUBLISH_TEXT``):
- ``licensed`` (default): ``documents.text`` only where the document's licence
  is in the redistributable list; otherwise null;
- ``all``: every text (for private builds, or sources you hold the rights to);
- ``none``: no text at all.
``documents.text_sha256`` (SHA-256 of the normalised text, UTF-8) is always
published, so a user who has the source can normalise it
(``pipeline.ingest.normalize_text``) and check the offsets. The evidence
columns (``span_text``, ``sentence``, ``mentions.text``) are always published:
they are short quotations.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import yaml

__all__ = [
    "POLICIES",
    "DEFAULT_POLICY",
    "normalize_license",
    "is_redistributable",
    "publish_text_policy",
    "text_sha256",
    "apply_text_policy",
    "LICENCES_FILE",
]

POLICIES = ("licensed", "all", "none")
DEFAULT_POLICY = "licensed"
ENV_VAR = "PIPELINE_PUBLISH_TEXT"
LICENCES_FILE = Path(__file__).resolve().parent / "data" / "rights" / "licences.yaml"


@lru_cache(maxsize=1)
def _licences() -> tuple[frozenset[str], tuple[tuple[re.Pattern, str], ...]]:
    data = yaml.safe_load(LICENCES_FILE.read_text(encoding="utf-8"))
    allowed = frozenset(s.lower() for s in data["redistributable"])
    patterns = tuple((re.compile(p, re.IGNORECASE), t) for p, t in data["urls"])
    return allowed, patterns


def normalize_license(value: object) -> str | None:
    """The licence as an SPDX-like identifier when recognised, else as written (stripped); None if empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    value = " ".join(value.split())
    for pattern, template in _licences()[1]:
        m = pattern.search(value)
        if m:
            ident = m.expand(template)
            parts = re.split(r"[\s_-]+", ident)
            return "-".join(p.upper() if p.lower() in {"cc", "by", "nc", "sa", "nd"} else p for p in parts)
    return value


def is_redistributable(license: str | None) -> bool:
    """True when the licence (normalised) allows republishing the full text."""
    ident = normalize_license(license)
    return ident is not None and ident.lower() in _licences()[0]


def publish_text_policy(value: str | None = None) -> str:
    """The policy: ``value``, else ``$PIPELINE_PUBLISH_TEXT``, else ``licensed``; raises on an unknown one."""
    policy = (value if value is not None else os.environ.get(ENV_VAR, "")).strip().lower() or DEFAULT_POLICY
    if policy not in POLICIES:
        raise ValueError(f"{ENV_VAR}={policy!r}: expected one of {', '.join(POLICIES)}")
    return policy


def text_sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_text_policy(documents, policy: str):
    """The documents table (Arrow) with ``text`` nulled where ``policy`` withholds it.

    ``text_sha256`` is filled from the text where it is missing (it must be computed
    before the text is withheld, so it is never recomputed from a null).
    """
    policy = publish_text_policy(policy)
    texts = documents.column("text").to_pylist()
    if "text_sha256" in documents.column_names:
        hashes = documents.column("text_sha256").to_pylist()
        hashes = [h if h is not None else text_sha256(t) for h, t in zip(hashes, texts)]
        documents = documents.set_column(
            documents.column_names.index("text_sha256"), documents.schema.field("text_sha256"), pa.array(hashes, pa.string())
        )
    if policy == "all":
        return documents
    if policy == "none":
        kept = [None] * len(texts)
    else:
        licences = documents.column("license").to_pylist() if "license" in documents.column_names else [None] * len(texts)
        kept = [t if is_redistributable(lic) else None for t, lic in zip(texts, licences)]
    index = documents.column_names.index("text")
    return documents.set_column(index, documents.schema.field("text"), pa.array(kept, pa.string()))


def text_counts(documents) -> dict[str, int]:
    """How many documents' texts a release publishes and withholds (for its README and metadata)."""
    texts = documents.column("text")
    withheld = texts.null_count
    return {"published": len(texts) - withheld, "withheld": withheld}
