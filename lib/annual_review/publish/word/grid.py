"""The document grid of the official format, as pure arithmetic: 22 lines a page and 28
characters a line (GB/T 9704-2012, 5.2.2).

The lines are a ``w:docGrid`` of type ``lines`` (``w:linePitch``, in twips). The characters
are the body text condensed by a fraction of a point (``w:spacing`` of the runs, in
twentieths of a point: :func:`char_spacing`), so that 28 characters of 3号 fill the 156 mm
line. A ``linesAndChars`` grid (``w:charSpace``) would say the same to Word, but
LibreOffice cannot narrow characters to such a grid and puts each 16 pt character into
two cells (14 a line); condensed spacing gives 28 a line in Word, WPS and LibreOffice alike.
All values are rounded down, so the lines and characters asked for always fit.
"""

from __future__ import annotations

import math
from fractions import Fraction

TWIPS_PER_POINT = 20


def line_pitch_twips(text_height_twips: int, lines: int) -> int:
    """The line pitch, in twips, that fits ``lines`` lines in the type area's height.

    The official type area is 225 mm high: 12756 twips as Word stores the page and margins.

    >>> line_pitch_twips(12756, 22)
    579
    >>> 22 * 579 <= 12756 < 23 * 579
    True
    """
    if lines <= 0 or text_height_twips <= 0:
        raise ValueError("the type area and the number of lines must be positive")
    return text_height_twips // lines


def char_spacing(text_width_twips: int, chars: int, font_half_points: int) -> int:
    """Character spacing (``w:spacing``, twentieths of a point) that fits ``chars`` characters
    of the font size in a line: 28 characters of 16 pt need 448 pt, the line has 442.25 pt.

    >>> char_spacing(8845, 28, 32)
    -5
    >>> 28 * (16 - 5 / 20) <= 8845 / 20 < 29 * (16 - 5 / 20)
    True
    """
    if chars <= 0 or text_width_twips <= 0 or font_half_points <= 0:
        raise ValueError("the type area, the characters and the font size must be positive")
    pitch = Fraction(text_width_twips, TWIPS_PER_POINT * chars)
    return math.floor((pitch - Fraction(font_half_points, 2)) * TWIPS_PER_POINT)
