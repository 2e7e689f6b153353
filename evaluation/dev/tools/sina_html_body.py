"""Article body of an RSSHUB-PAGE post (新浪财经 or 36氪 HTML) given its body paragraphs.

Usage: python sina_html_body.py < paragraphs.html > body.txt

Input: the <p>/<h2> elements of the post's body as read with read_file (the
repository is too large to fetch), without the image wrappers. Kept: each
paragraph or heading as one line, tags stripped with the anchor text kept
(stock and 36氪 project auto-links: “陕西<a>华秦科技</a>实业股份有限公司” →
“陕西华秦科技实业股份有限公司”, “浙大<a>友创</a>” → “浙大友创”), HTML entities decoded,
leading full-width spaces and trailing spaces removed. Dropped: empty
paragraphs, the byline (作者：…), the 36氪 editor's note (编者按：…) and the “原标题：…” line. The
texts e03, e04 and e07 were taken with this script.
"""

import html
import re
import sys

BLOCK = re.compile(r"<(?:p|h[1-6])[^>]*>(.*?)</(?:p|h[1-6])>", re.S)


def body(fragment: str) -> str:
    out = []
    for inner in BLOCK.findall(fragment):
        s = html.unescape(re.sub(r"<[^>]+>", "", inner)).strip(" \u3000\t\n")
        if s and not s.startswith(("作者：", "编者按：", "原标题：")):
            out.append(s)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(body(sys.stdin.read()))
