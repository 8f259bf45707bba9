"""The conda environment lists the same packages as pyproject.toml (with test extras)."""

from __future__ import annotations

import re

import tomllib
import yaml

from .conftest import ROOT


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["test"]
    return {_name(r): r.replace(" ", "") for r in reqs}


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text("utf-8"))
    found: dict[str, str] = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for item in items:
            name = _name(item)
            if name not in ("python", "pip", "-e"):
                found[name] = item.replace(" ", "")
    return found


def test_environment_yml_has_the_same_packages_as_pyproject() -> None:
    assert sorted(environment_requirements()) == sorted(pyproject_requirements())


def test_environment_yml_has_the_same_lower_bounds() -> None:
    env = environment_requirements()
    for name, requirement in pyproject_requirements().items():
        assert env[name] == requirement, name
