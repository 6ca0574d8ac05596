"""The own held-out sets of tests/data/: one folder per set, one CSV per language, read and routed alike."""
from __future__ import annotations

from pathlib import Path

from rag.evaluation import Evaluation, router_evaluate, rows_read_all

DATA = Path(__file__).resolve().parents[1] / "data"


def held_out_rows(name: str, *, size: int) -> list[dict[str, str]]:
    """Every language file of tests/data/`name`/, checked to hold the set's `size` messages."""
    rows = rows_read_all(sorted((DATA / name).glob("*.csv")))
    assert len(rows) == size, f"{name}: {len(rows)} messages, not {size}"
    return rows


def held_out_routed(name: str, *, size: int, router) -> Evaluation:  # type: ignore[no-untyped-def]
    """The set routed by `router`, its figures printed (pytest -s shows them)."""
    result = router_evaluate(rows=held_out_rows(name, size=size), router=router)
    print(name, {figure: value for figure, value in result.figures.items() if value is not None})
    return result
