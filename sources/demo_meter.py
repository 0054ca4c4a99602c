"""Seeded demo hourly metering for the demo enterprises, every row ``data_kind=demo``.

No enterprise meter data is public, so the metering path (staging, lake, rollups, the
benchmark) needs a stand-in. The enterprises are the demo filers of
``sources.demo_enterprises`` (same generator, same seed), so every credit code is in
``staging.enterprises`` of the demo and a year's metered total follows that year's
filed electricity and green share (which rises with the year). Hourly shape by
industry: continuous process plants (cement, glass, metals, refining, chemicals, paper,
power) run flat around the clock; assembly and light industry follow a day shift with
a weekend dip; every plant has a mild summer and winter peak; green electricity follows
the sun (bought wind and solar, rooftop PV).

Demo files carry a fifth column ``data_kind`` (always ``demo``) and ``demo`` in their
name; files without that column are official. Files are written block by block, so the
100M-row benchmark never holds more than a block of enterprises in memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from sources import demo_enterprises as de

FILE_PREFIX = "greenstat_demo_meter"
HEADER = ("credit_code", "hour", "kwh", "green_kwh", "data_kind")
DEFAULT_MONTHS = ("2024-01", "2024-03")  # the embedded default: one quarter
DEFAULT_PER_REGION = 20  # Beijing and Chongqing demo enterprises each
BLOCK = 200  # enterprises per generated block (200 x 8,784 hours = 1.8M rows)
CONTINUOUS = ("C30", "C31", "C32", "C25", "C26", "C22", "D44")  # run around the clock


@cache
def demo_register(
    enterprises: int = 2000, first_year: int = 2016, last_year: int = 2025,
    seed: int = de.DEFAULT_SEED,
) -> pl.DataFrame:  # fmt: skip
    """The demo filers as ``write_demo_filings`` generates them (same blocks, same seed):
    credit_code, region_code (GB/T 2260), industry_code, year, electricity_kwh,
    green_electricity_kwh. Generating them again costs far less than reading the file."""
    places = de._places(first_year, last_year)
    a, b = (int(x) for x in np.random.default_rng([seed, 0]).integers(1, de._M, 2))
    a += a % 31 == 0  # as demo_enterprises._write
    seen = np.zeros(len(places.names) * len(de.IND_CODES), np.int64)
    frames = [
        de._chunk(rng, places, start, n, first_year, last_year, (a, b), seen).select(
            "credit_code",
            "region_code",
            "industry_code",
            "year",
            "electricity_kwh",
            "green_electricity_kwh",
        )
        for start, n, rng in de._blocks(enterprises, seed)
    ]
    return pl.concat(frames)


def _month_hours(months: Sequence[str]) -> np.ndarray:
    """Every local hour of the months from the first to the last given (YYYY-MM)."""
    first = np.datetime64(min(months), "M")
    end = np.datetime64(max(months), "M") + 1
    return np.arange(first.astype("datetime64[h]"), end.astype("datetime64[h]"))


def _profiles(industry: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Relative load (mean about 1) per enterprise (rows) and hour (columns)."""
    hod = (hours - hours.astype("datetime64[D]")).astype(np.int64)
    dow = (hours.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    doy = (hours.astype("datetime64[D]") - hours.astype("datetime64[Y]")).astype(np.int64)
    season = 1 + 0.06 * np.cos(4 * np.pi * (doy - 15) / 365.25)  # January and July peaks
    day = np.clip((hod - 7.5) / 1.5, 0, 1) * np.clip((20.5 - hod) / 1.5, 0, 1)
    shift = (0.45 + 0.9 * day) * np.where(dow >= 5, 0.6, 1.05)
    flat = (1 + 0.03 * np.cos(2 * np.pi * (hod - 14) / 24)) * np.where(dow >= 5, 0.97, 1.01)
    continuous = np.isin(np.array([c[:3] for c in industry]), CONTINUOUS)
    return np.where(continuous[:, None], flat, shift) * season


def _solar(hours: np.ndarray) -> np.ndarray:
    """Green electricity's hourly weight (mean 1 over a day): half flat, half sunlight."""
    hod = (hours - hours.astype("datetime64[D]")).astype(np.int64)
    sun = np.maximum(0, np.sin(np.pi * (hod + 0.5 - 6) / 12))
    return 0.5 + 0.5 * sun / sun.mean() if sun.mean() else np.ones(len(hours))


def _blocks(register: pl.DataFrame, months: Sequence[str], seed: int) -> Iterator[pl.DataFrame]:
    """A frame in HEADER order per block of enterprises, every hour of the months."""
    hours = _month_hours(months)
    year = hours.astype("datetime64[Y]").astype(np.int64) + 1970
    solar = _solar(hours)
    for i, start in enumerate(range(0, register.height, BLOCK)):
        block = register.slice(start, BLOCK)
        rng = np.random.default_rng([seed, 7, i])
        n = block.height
        # Each hour's share of the year's filed total, per enterprise and year.
        by_year = {
            y: block.select(
                pl.col(f"kwh_{y}").fill_null(0.0), pl.col(f"green_{y}").fill_null(0.0)
            ).to_numpy()
            for y in np.unique(year)
        }
        shape = _profiles(block["industry_code"].to_numpy(), hours)
        shape *= rng.lognormal(0, 0.06, (n, len(hours)))
        per_hour = np.column_stack([by_year[y][:, 0] for y in year]) / 8760
        share = np.column_stack([by_year[y][:, 1] for y in year]) / np.maximum(
            np.column_stack([by_year[y][:, 0] for y in year]), 1
        )
        kwh = np.round(per_hour * shape, 1)
        green = np.minimum(np.round(kwh * np.minimum(share * solar, 1), 1), kwh)
        codes = block["credit_code"].to_numpy()
        # Enterprise by enterprise, hour by hour: the order of a metering export.
        yield pl.DataFrame(
            {
                "credit_code": np.repeat(codes, len(hours)),
                "hour": np.tile(hours.astype("datetime64[us]"), n),
                "kwh": kwh.ravel(),
                "green_kwh": green.ravel(),
                "data_kind": "demo",
            }
        )


def meter_register(
    enterprises: int, months: Sequence[str], *, regions: Sequence[str] = (),
    register_size: int = 2000, seed: int = de.DEFAULT_SEED,
) -> pl.DataFrame:  # fmt: skip
    """``enterprises`` demo filers that filed electricity in the months' years (from
    ``regions``, GB/T 2260 province prefixes such as '11', equally if given), one row
    each with kwh_YYYY and green_YYYY columns."""
    years = sorted({int(m[:4]) for m in months})
    reg = demo_register(register_size, seed=seed).filter(pl.col("year").is_in(years))
    wide = (
        reg.pivot(
            on="year",
            index=["credit_code", "region_code", "industry_code"],
            values=["electricity_kwh", "green_electricity_kwh"],
        )
        .rename(lambda c: c.replace("electricity_kwh_", "kwh_").replace("green_kwh_", "green_"))
        .drop_nulls([f"kwh_{y}" for y in years])
        .filter(pl.all_horizontal(pl.col(f"kwh_{y}") > 0 for y in years))
    )
    if regions:
        per = -(-enterprises // len(regions))
        wide = pl.concat(
            [wide.filter(pl.col("region_code").str.starts_with(r)).head(per) for r in regions]
        )
    picked = wide.head(enterprises)
    if picked.height < enterprises:
        raise ValueError(f"only {picked.height} demo filers fit, asked for {enterprises}")
    return picked.with_columns(pl.col(f"kwh_{y}").cast(pl.Float64) for y in years).with_columns(
        pl.col(f"green_{y}").cast(pl.Float64) for y in years
    )


def write_meter_csv(
    path: Path, register: pl.DataFrame, months: Sequence[str], seed: int = de.DEFAULT_SEED
) -> int:
    """Write the CSV (enterprise by enterprise, each month in turn); returns rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = 0
    with open(path, "wb") as fh:
        for frame in _blocks(register, months, seed):
            frame.write_csv(
                fh, include_header=rows == 0, datetime_format="%Y-%m-%d %H:%M:%S",
                float_precision=1, float_scientific=False,
            )  # fmt: skip
            rows += frame.height
    return rows


def demo_file_name(months: Sequence[str]) -> str:
    a, b = min(months), max(months)
    return f"{FILE_PREFIX}_{a}.csv" if a == b else f"{FILE_PREFIX}_{a}_{b}.csv"


def write_demo_meter(
    generated_dir: Path, *, per_region: int = DEFAULT_PER_REGION,
    months: Sequence[str] = DEFAULT_MONTHS, seed: int = de.DEFAULT_SEED,
) -> Path:  # fmt: skip
    """The embedded default: ``per_region`` Beijing and Chongqing demo filers over
    ``months`` (40 x Q1 2024 = 87,360 rows). Rewritten only when its bytes change, so
    its sha256 stays put across runs."""
    register = meter_register(2 * per_region, months, regions=("11", "50"), seed=seed)
    generated_dir.mkdir(parents=True, exist_ok=True)
    target = generated_dir / demo_file_name(months)
    tmp = generated_dir / f".{target.name}.tmp"
    write_meter_csv(tmp, register, months, seed)
    if target.exists() and target.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(target)
    return target


def bench_months(year: int = 2024) -> tuple[str, str]:
    return f"{year}-01", f"{year}-12"


def hours_in(months: Sequence[str]) -> int:
    return len(_month_hours(months))


def bench_enterprises(rows: int, months: Sequence[str]) -> int:
    return -(-rows // hours_in(months))


BENCH_REGISTER = 16_000  # demo filers: enough for 10M rows in one month, 100M in a year


def write_bench_meter(
    path: Path, rows: int = 10_000_000, *, months: Sequence[str] = ("2024-03",),
    register_size: int = BENCH_REGISTER, seed: int = de.DEFAULT_SEED,
) -> int:  # fmt: skip
    """A benchmark CSV of about ``rows`` rows: whole enterprises over ``months`` (a monthly
    export by default), streamed block by block; returns the rows written. Its codes are
    in the register of ``write_demo_filings(enterprises=register_size)``."""
    register = meter_register(bench_enterprises(rows, months), months,
                              register_size=register_size, seed=seed)  # fmt: skip
    return write_meter_csv(path, register, months, seed)


def write_bench_lake(
    lake: Path, rows: int = 100_000_000, *, register_size: int = BENCH_REGISTER,
    seed: int = de.DEFAULT_SEED, sha256: str = "b" * 64,
) -> dict[str, int]:  # fmt: skip
    """Write about ``rows`` rows straight into the lake layout of
    staging.enterprise_meter_hourly (one Parquet file per month, as if one source file had
    been staged), streaming blocks; returns rows per month. For the rollup benchmark."""
    from sources.meter_hourly import UTC_OFFSET_HOURS
    from warehouse.lake import table_dir
    from warehouse.tables import ENTERPRISE_METER_HOURLY

    months = bench_months()
    register = meter_register(bench_enterprises(rows, months), months,
                              register_size=register_size, seed=seed)  # fmt: skip
    base = table_dir(lake, ENTERPRISE_METER_HOURLY)
    schema = pa.schema(
        [
            ("credit_code", pa.string()),
            ("hour", pa.timestamp("us")),  # UTC, as staging writes it (warehouse.ddl)
            ("kwh", pa.float64()),
            ("green_kwh", pa.float64()),
            ("data_kind", pa.string()),
            ("source_row", pa.int32()),
        ]
    )
    writers: dict[str, pq.ParquetWriter] = {}
    counts: dict[str, int] = {}
    row = 2
    try:
        for frame in _blocks(register, months, seed):
            frame = frame.with_columns(
                pl.col("hour") - pl.duration(hours=UTC_OFFSET_HOURS),
                source_row=pl.int_range(row, row + frame.height, dtype=pl.Int32),
                month=pl.col("hour").dt.strftime("%Y-%m"),
            )
            row += frame.height
            for (label,), part in frame.partition_by("month", as_dict=True).items():
                label = str(label)
                if label not in writers:
                    (base / f"month={label}").mkdir(parents=True, exist_ok=True)
                    writers[label] = pq.ParquetWriter(
                        base / f"month={label}" / f"{sha256}.parquet", schema,
                        compression="zstd",
                    )  # fmt: skip
                writers[label].write_table(part.drop("month").to_arrow().cast(schema))
                counts[label] = counts.get(label, 0) + part.height
    finally:
        for w in writers.values():
            w.close()
    return counts
