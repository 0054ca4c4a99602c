"""The Dagster definitions load, and are shaped as the design says."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from greenstat.settings import PROJECT_ROOT


def test_definitions_validate(tmp_path: Path) -> None:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "GREENSTAT_HOME": str(tmp_path / "h")}
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_layers_partitions_sensors_schedules() -> None:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "staging", "marts", "quality", "reports"} <= groups
    marts = graph.get(dg.AssetKey("indicator_values"))
    assert isinstance(marts.partitions_def, dg.TimeWindowPartitionsDefinition)
    assert marts.partitions_def.get_partition_keys()[0] == "1990"
    assert {s.name for s in defs.sensors or []} >= {"inbox_sensor", "staged_years_sensor"}
    assert {s.name for s in defs.schedules or []} >= {"nbs_annual_schedule"}
    checks = {k.name for k in graph.asset_check_keys}
    assert {"staging_observations_structure", "indicator_values_structure"} <= checks
    # Every asset building staged tables or marts runs its suites beside it: structure
    # (blocking) and statistics (warnings), the monthly one declared on the asset itself.
    for asset in ("staging_observations", "green_power", "green_manufacturing",
                  "indicator_values", "indicator_progress", "metered_electricity"):  # fmt: skip
        assert {f"{asset}_structure", f"{asset}_statistics"} <= checks, asset
    assert "enterprises_structure" in checks
    specs = {s.name: s for a in graph.asset_check_keys for s in [graph.get_check_spec(a)]}
    assert specs["indicator_values_structure"].blocking
    assert not specs["indicator_values_statistics"].blocking


def test_inbox_sensor_requests_one_run_per_new_file(tmp_path: Path, monkeypatch) -> None:
    from pipelines.jobs import inbox_sensor

    monkeypatch.setenv("GREENSTAT_HOME", str(tmp_path))
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.csv").write_text("x", encoding="utf-8")
    (tmp_path / "inbox" / ".partial").write_text("x", encoding="utf-8")
    _settle(tmp_path / "inbox")
    result = inbox_sensor(dg.build_sensor_context())
    requests = result.run_requests or []
    assert len(requests) == 1
    assert requests[0].run_config["ops"]["raw_files"]["config"]["paths"] == [
        str(tmp_path / "inbox" / "a.csv")
    ]


def test_sensor_run_ingests_the_dropped_file(nbs_dir: Path, tmp_path: Path, monkeypatch) -> None:
    """What the inbox sensor launches: the ingest job on one dropped file."""
    from pipelines.definitions import defs
    from pipelines.jobs import inbox_sensor

    monkeypatch.setenv("GREENSTAT_HOME", str(tmp_path))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dropped = inbox / "分省年度数据.csv"
    dropped.write_bytes((nbs_dir / "1lmq" / "分省年度数据.csv").read_bytes())
    (inbox / "empty.csv").write_bytes(b"")
    unnamed = nbs_dir / "VasantLong" / "分省年度数据.csv"  # names no indicator
    (inbox / "vasant.csv").write_bytes(unnamed.read_bytes())
    (inbox / "still-copying.csv").write_bytes(b"x")  # just written: not taken yet
    _settle(inbox, but="still-copying.csv")
    requests = inbox_sensor(dg.build_sensor_context()).run_requests or []
    assert len(requests) == 3
    job = defs.resolve_job_def("ingest_job")
    for request in requests:
        with dg.instance_for_test() as instance:
            result = job.execute_in_process(run_config=request.run_config, instance=instance)
            assert result.success
    assert not dropped.exists()  # archived, so removed from the inbox
    assert (inbox / "rejected" / "empty.csv.reason.txt").read_text().startswith("empty.csv: empty")
    assert "--indicator" in (inbox / "rejected" / "vasant.csv.reason.txt").read_text()
    assert not list((tmp_path / "archive").rglob("vasant.csv"))
    import duckdb

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        n = con.execute(
            "SELECT count(*) FROM staging.observations WHERE indicator_code = "
            "'population_year_end' AND region_code = 'CN-BJ'"
        ).fetchone()
    assert n == (10,)


def _settle(folder: Path, but: str | None = None) -> None:
    """Age the files as if they had been left alone for a while."""
    old = time.time() - 60
    for p in folder.iterdir():
        if p.name != but:
            os.utime(p, (old, old))
