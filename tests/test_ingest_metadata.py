"""Publication dates and front matter."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipeline.ingest.metadata import parse_date, split_front_matter


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-3-1", date(2024, 3, 1)),
        (" 2024-03-01T23:30:00+08:00 ", date(2024, 3, 1)),  # the publisher's day, not UTC
        ("2024-03-01T08:00:00Z", date(2024, 3, 1)),
        ("2024-03-01 08:00", date(2024, 3, 1)),
        ("2024/03/01", date(2024, 3, 1)),
        ("2024.3.1", date(2024, 3, 1)),
        ("20240301", date(2024, 3, 1)),
        ("2024年3月1日", date(2024, 3, 1)),
        (date(2024, 3, 1), date(2024, 3, 1)),
        (datetime(2024, 3, 1, 5), date(2024, 3, 1)),
        ("2024-02-30", None),
        ("2024-03", None),
        ("yesterday", None),
        ("", None),
        (20240301, None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def test_front_matter_is_split_off():
    meta, text = split_front_matter("---\r\ntitle: 标题\r\ndate: 2024-03-01\r\n---\r\n正文。")
    assert meta == {"title": "标题", "date": date(2024, 3, 1)}
    assert text.replace("\r", "") == "正文。"


@pytest.mark.parametrize(
    "text",
    [
        "---\n\n正文。\n---\n更多。",  # a rule, then prose: not a YAML mapping of known keys
        "---\ntitle: [broken\n---\n正文。",  # invalid YAML
        "---\nfoo: bar\n---\n正文。",  # no known key
        "--- 不是\n正文。",
        "正文。\n---\ntitle: x\n---",
    ],
)
def test_not_front_matter(text):
    assert split_front_matter(text) == ({}, text)
