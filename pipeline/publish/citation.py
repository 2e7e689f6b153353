"""How to cite a release: its ``CITATION.cff`` and ``.zenodo.json``.

The project's ``CITATION.cff`` (repository root) is the one source of the
citation's title, authors, repository and keywords (an installed package
without the repository falls back to the title and authors below). A release's
copy sets ``version`` to the release version and ``date-released`` to its
day, and names the dataset's licence. ``.zenodo.json`` carries the same for
Zenodo's GitHub integration (DOI minting): upload type ``dataset``, title,
creators, description, version, publication date, licence, keywords and the
repository as a related identifier.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_CFF = PACKAGE_DIR.parent / "CITATION.cff"
FALLBACK = {
    "cff-version": "1.2.0",
    "title": "Chinese tech-economy news: people, firms, cities and numeric facts",
    "authors": [{"name": "The cn-tech-city-dataset authors"}],
}
CFF_NAME = "CITATION.cff"
ZENODO_NAME = ".zenodo.json"
# SPDX ids Zenodo knows under another name (lower case, as Zenodo's vocabulary spells them)
_ZENODO_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC0-1.0": "cc0-1.0", "CC-BY-SA-4.0": "cc-by-sa-4.0",
                    "ODbL-1.0": "odbl-1.0", "PDDL-1.0": "pddl-1.0"}


def project_citation() -> dict:
    """The project's CITATION.cff as a mapping (the repository's copy when present)."""
    if PROJECT_CFF.is_file():
        return yaml.safe_load(PROJECT_CFF.read_text(encoding="utf-8")) or dict(FALLBACK)
    return dict(FALLBACK)


def release_citation(version: str, created: str, license: str) -> dict:
    cff = dict(project_citation())
    cff["type"] = "dataset"
    cff["version"] = version
    cff["date-released"] = created[:10]
    cff["license"] = license
    cff["message"] = (
        f"If you use this dataset, please cite release {version} as below "
        "(and the DOI, when the release was deposited)."
    )
    return cff


def render_cff(cff: dict) -> str:
    return yaml.safe_dump(cff, allow_unicode=True, sort_keys=False, default_flow_style=False)


def zenodo_metadata(cff: dict, description: str) -> dict:
    creators = []
    for a in cff.get("authors", []):
        if "family-names" in a:
            entry = {"name": f"{a['family-names']}, {a.get('given-names', '')}".strip(", ")}
        else:
            entry = {"name": a.get("name", "")}
        if a.get("orcid"):
            entry["orcid"] = a["orcid"].rsplit("/", 1)[-1]
        if a.get("affiliation"):
            entry["affiliation"] = a["affiliation"]
        creators.append(entry)
    meta = {
        "upload_type": "dataset",
        "title": cff.get("title", ""),
        "creators": creators,
        "description": description,
        "version": cff.get("version"),
        "publication_date": cff.get("date-released"),
        "license": _ZENODO_LICENSES.get(cff.get("license", ""), str(cff.get("license", "")).lower()),
        "access_right": "open",
        "keywords": list(cff.get("keywords", [])),
    }
    if cff.get("repository-code"):
        meta["related_identifiers"] = [
            {"identifier": cff["repository-code"], "relation": "isSupplementedBy", "resource_type": "software"}
        ]
    return meta


def write_citation_files(folder: Path, version: str, created: str, license: str, description: str) -> dict:
    """Write CITATION.cff and .zenodo.json into a release folder; return the release's citation mapping."""
    cff = release_citation(version, created, license)
    (Path(folder) / CFF_NAME).write_text(render_cff(cff), encoding="utf-8")
    (Path(folder) / ZENODO_NAME).write_text(
        json.dumps(zenodo_metadata(cff, description), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return cff


def citation_text(cff: dict) -> str:
    """One line, APA-like: authors (year). title (version) [Data set]. repository."""
    authors = ", ".join(
        a.get("name") or f"{a.get('family-names', '')}, {a.get('given-names', '')}".strip(", ")
        for a in cff.get("authors", [])
    )
    year = str(cff.get("date-released", ""))[:4]
    where = f" {cff['repository-code']}" if cff.get("repository-code") else ""
    doi = f" https://doi.org/{cff['doi']}" if cff.get("doi") else ""
    return f"{authors} ({year}). {cff.get('title', '')} (version {cff.get('version', '')}) [Data set].{doi}{where}"
