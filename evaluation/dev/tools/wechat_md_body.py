"""Article body of a WeChat-article markdown file as archived in chainreactors/picker.

Usage: git show archive:archive/<path>.md | python wechat_md_body.py [FIRST_LINE] > body.txt

Kept: the body between the author/editor line (作者｜… or 文｜…) and the footer
(头图来源, 极客一问, 热点视频, 更多阅读), one paragraph a line, headings as their own
lines, original wording. Dropped: images, image captions (… | 图片来源：…, … | 来源：…),
the 01/02/03 section numbers, markdown emphasis (*), link targets (the anchor
text is kept). An article without an author line (a press release) starts at
FIRST_LINE, the first body line given on the command line (the teaser line
before it is dropped, as for the other articles). The texts e01, e02, e05, e06 and e08 were taken with this script.
"""

import re
import sys

FOOTER = re.compile(r"头图来源|极客一问|热点视频|更多阅读")
AUTHOR_LINE = re.compile(r"(作者|文)\s*[|｜]")
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
CAPTION = re.compile(r"[|｜]\s*(图片)?来源")


def body(markdown: str, first_line: str | None = None) -> str:
    lines = markdown.split("\n")
    if first_line:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(first_line))
    else:
        start = next(i for i, line in enumerate(lines) if AUTHOR_LINE.search(line)) + 1
    out = []
    for line in lines[start:]:
        if FOOTER.search(line):
            break
        s = re.sub(r"\*+", "", LINK.sub(r"\1", IMAGE.sub("", line))).strip()
        if not s or CAPTION.search(s) or s.startswith("图片来源") or re.fullmatch(r"0\d", s):
            continue
        out.append(s)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(body(sys.stdin.read(), sys.argv[1] if len(sys.argv) > 1 else None))
