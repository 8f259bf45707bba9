"""What the commands share: exit codes, the region choice, printed paths, ``-p`` values
(:func:`annual_review.inputs.parameters.parse_parameters`, re-exported)."""

from __future__ import annotations

import argparse
from pathlib import Path

from annual_review.core.errors import InputError
from annual_review.core.layout import SETTINGS_FILE, Project
from annual_review.inputs.parameters import parse_parameters

__all__ = ["parse_parameters"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
UNIT_HELP = "only this unit (name or slug); repeatable; default: all units"
REGION_HELP = (
    f"region file slug (data/regions/<slug>.yaml); default: the only region file, "
    f"else default_region in {SETTINGS_FILE}"
)


def one_region(project: Project, choice: str | None, command: str) -> str:
    """The one region a command works on (``--region all`` only with one region file)."""
    slugs = project.select_regions(choice)
    if len(slugs) > 1:
        raise InputError(f"--region all: {command} works on one region; give --region SLUG")
    return slugs[0]


def shown(project: Project, path: Path) -> str:
    """A path as the commands print it: relative to the project, with / separators."""
    return path.relative_to(project.root).as_posix()


def add_unit_option(command: argparse.ArgumentParser, help: str = UNIT_HELP) -> None:
    """``--unit NAME``, repeatable: the units a command works on (default: all)."""
    command.add_argument("--unit", action="append", default=[], metavar="NAME", help=help)
