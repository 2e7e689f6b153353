"""Article body of a web-page markdown file (4hou.com, FreeBuf, 安全牛 WeChat) archived in chainreactors/picker.

Usage: git show archive:archive/<path>.md | python web_md_body.py START END > body.txt

START: the first body line starts with this text (the page's menus, title
repeats and the 导语 teaser before it are dropped); END: the first line that
starts with this text ends the body (the footer: 感谢您的支持 on 4hou.com,
“# 财报” tags on FreeBuf, 相关阅读 on WeChat). Kept: one paragraph or heading
a line, original wording. Dropped: images, empty lines, markdown emphasis
(* and **), heading marks (#), escape backslashes, link targets (the anchor
text is kept). The texts e09–e13 were taken with this script.
"""

import re
import sys

IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def clean(line: str) -> str:
    s = LINK.sub(r"\1", IMAGE.sub("", line))
    s = s.replace("\\*", "").replace("\\", "")
    s = re.sub(r"\*+", "", s)
    s = re.sub(r"^#+\s*", "", s.strip())
    return s.strip()


def body(markdown: str, start: str, end: str) -> str:
    lines = markdown.split("\n")
    first = next(i for i, line in enumerate(lines) if clean(line).startswith(start))
    out = []
    for line in lines[first:]:
        if line.strip().startswith(end) or clean(line).startswith(end):
            break
        s = clean(line)
        if s:
            out.append(s)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(body(sys.stdin.read(), sys.argv[1], sys.argv[2]))
