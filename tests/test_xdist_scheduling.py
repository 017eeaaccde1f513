"""How the suite is spread over xdist workers (the `pytest_xdist_make_scheduler` hook in
kefu.testing.plugin): whole files stay together, the isolation matrix is cut into units."""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path
from types import SimpleNamespace

from kefu.testing import plugin

MATRIX = "tests/test_tenant_isolation.py"


def test_other_dist_modes_are_left_to_xdist() -> None:
    config = SimpleNamespace(getvalue=lambda name: "load" if name == "dist" else None)
    assert plugin.pytest_xdist_make_scheduler(config, log=None) is None  # type: ignore[arg-type]


def test_a_file_is_one_unit_and_the_matrix_is_cut_into_stable_units() -> None:
    split = plugin.xdist_unit

    # a file's tests (parametrized or not) go together: their module fixtures are shared
    assert (
        split("tests/test_cli.py::test_demo[a]")
        == split("tests/test_cli.py::test_help")
        == "tests/test_cli.py"
    )

    # the matrix's cases go to several units, the same ones on every run
    ids = [
        f"{MATRIX}::test_api_routes_hide_other_tenants_objects[pa-agent-GET /api/x/{n}]" for n in range(400)
    ]
    units = {split(node) for node in ids}
    assert len(units) == plugin.SPREAD_FILES[MATRIX]
    assert all(unit.startswith(f"{MATRIX}#") for unit in units)
    assert [split(node) for node in ids] == [split(node) for node in ids]


def test_the_heavy_files_exist_and_go_first_in_their_order() -> None:
    root = Path(__file__).resolve().parents[1]
    assert all((root / path).is_file() for path in plugin.HEAVY_FIRST)  # renamed files are noticed
    queue = OrderedDict(
        (unit, {}) for unit in [f"{MATRIX}#0", "tests/test_small.py", *reversed(plugin.HEAVY_FIRST)]
    )
    plugin.heavy_first(queue)
    assert list(queue) == [*plugin.HEAVY_FIRST, f"{MATRIX}#0", "tests/test_small.py"]
