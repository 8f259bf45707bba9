"""Make an executed notebook the same bytes for the same inputs: no times, temporary
paths or random ids."""

from __future__ import annotations

from annual_review.runs.plan import RunSpec


def normalise_notebook(content: bytes, spec: RunSpec) -> bytes:
    """Remove what differs between two identical runs: times, temp paths, random ids."""
    import nbformat

    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
    meta = nb.metadata.get("papermill", {})
    for name in ("start_time", "end_time", "duration", "environment_variables"):
        meta.pop(name, None)
    meta["input_path"] = f"notebooks/{spec.notebook}"
    meta["output_path"] = spec.output_path or f"notebooks/{spec.slug}.ipynb"
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.get("papermill", {}).clear()
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"
        elif not cell.get("id"):
            cell.id = f"cell-{index:02d}"
    return (nbformat.writes(nb) + "\n").encode("utf-8")
