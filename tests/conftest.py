"""Helpers shared by the tests: where the repository and its sample article are, a free TCP port.

Test modules import them (``from conftest import REPO, SAMPLE, free_port``); the
helper modules beside this file (``publish_sample``, ``sample_corpus``,
``dagster_instance``, ``processes``) hold the larger shared pieces.
"""

from __future__ import annotations

import socket
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "raw" / "hangzhou_deepseek.txt"  # the shipped sample article


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of asking)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
