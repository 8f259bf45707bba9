"""A subset of the shipped Noto Sans SC, embedded in each page as a fallback font.

Offices' PCs have the official fonts (仿宋_GB2312, 黑体, 楷体); an intranet reader on a
machine without any Chinese font would see boxes. Each page therefore carries, as a
data URI, just the glyphs it uses (fontTools subsetting, WOFF2), named ``AR Fallback SC``
and listed after the official fonts in the page's font stacks.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

from fontTools import subset
from fontTools.ttLib import TTFont

FAMILY = "AR Fallback SC"


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    import pylopdf_fonts_zh_cn

    return pylopdf_fonts_zh_cn.sans_path().read_bytes()


def subset_woff2(characters: str) -> bytes:
    """WOFF2 bytes of Noto Sans SC reduced to ``characters`` (plus ASCII)."""
    font = TTFont(io.BytesIO(_font_bytes()), recalcTimestamp=False)
    options = subset.Options()
    options.flavor = "woff2"
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    wanted = set(characters) | {chr(c) for c in range(0x20, 0x7F)}
    subsetter.populate(unicodes=sorted(ord(c) for c in wanted))
    subsetter.subset(font)
    out = io.BytesIO()
    font.flavor = "woff2"
    font.save(out)
    return out.getvalue()


def font_face_css(characters: str) -> str:
    """An ``@font-face`` rule embedding the subset as a data URI."""
    data = base64.b64encode(subset_woff2(characters)).decode("ascii")
    return (
        f'@font-face {{ font-family: "{FAMILY}"; font-style: normal; font-weight: 400;'
        f' font-display: block; src: url(data:font/woff2;base64,{data}) format("woff2"); }}'
    )
