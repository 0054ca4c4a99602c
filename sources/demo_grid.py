"""Seeded demo grid data for the embedded default: hourly load of Beijing and Chongqing
and monthly green power trades, in the templates a user's real files follow.

Nothing public gives these for recent years (the PyPSA-China profile is one year with an
unclear licence; trading volumes are not published by province), so the embedded default
generates them, labelled ``demo`` in every row's ``data_kind`` and in the file names.
Magnitudes are plausible, not published figures: Beijing and Chongqing each use on the
order of 100 TWh a year, and Beijing buys green power on the order of 10^10 kWh a year
from the wind and solar provinces of the north and west.
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from sources.green_power_trades import HEADER as TRADES_HEADER
from sources.green_power_trades import KIND_HEADER as TRADES_KIND

SEED = 20261121
FIRST_YEAR, LAST_YEAR = 2016, 2025
LOAD_FILE = "greenstat_demo_grid_load.csv"
TRADES_FILE = "greenstat_demo_green_power_trades.csv"
# Annual use in the first year (kWh) and yearly growth: orders of magnitude only.
LOAD_SPEC = {"CN-BJ": (1.05e11, 0.028), "CN-CQ": (0.95e11, 0.045)}
# Buyer -> (first-year purchases in kWh, growth, sellers and their shares).
TRADES_SPEC = {
    "CN-BJ": (
        1.15e10,
        0.12,
        {"CN-NM": 0.35, "CN-HE": 0.25, "CN-SX": 0.15, "CN-GS": 0.1, "CN-NX": 0.1, "CN-QH": 0.05},
    ),
    "CN-CQ": (0.3e10, 0.1, {"CN-SC": 0.6, "CN-YN": 0.25, "CN-GZ": 0.15}),
}


def _hours(year: int) -> list[datetime]:
    start = datetime(year, 1, 1)
    n = (datetime(year + 1, 1, 1) - start) // timedelta(hours=1)
    return [start + timedelta(hours=h) for h in range(n)]


def _profile(hours: list[datetime], rng: np.random.Generator) -> np.ndarray:
    """Relative hourly load: summer and winter peaks, a working-day shape, quiet nights and
    weekends, a Spring Festival dip, a little noise; mean 1."""
    doy = np.array([h.timetuple().tm_yday for h in hours], dtype=float)
    hod = np.array([h.hour for h in hours], dtype=float)
    weekend = np.array([h.weekday() >= 5 for h in hours])
    season = 1 + 0.12 * np.cos(2 * np.pi * (doy - 200) / 365) ** 2 - 0.04
    day = 1 + 0.18 * np.sin(np.pi * np.clip(hod - 6, 0, 16) / 16) - 0.08 * (hod < 6)
    shape = season * day * np.where(weekend, 0.92, 1.0)
    shape *= np.where((doy > 25) & (doy < 45), 0.85, 1.0)
    shape *= 1 + rng.normal(0, 0.02, len(hours))
    return shape / shape.mean()


def write_demo_load(out_dir: Path, seed: int = SEED) -> Path:
    """Hourly load (MW) of Beijing and Chongqing, FIRST_YEAR..LAST_YEAR, template layout."""
    out = out_dir / LOAD_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    regions = list(LOAD_SPEC)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["hour", *regions, "data_kind"])
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            hours = _hours(year)
            columns = []
            for region in regions:
                first, growth = LOAD_SPEC[region]
                annual = first * (1 + growth) ** (year - FIRST_YEAR) * (1 + rng.normal(0, 0.01))
                mean_mw = annual / len(hours) / 1000
                columns.append(np.round(mean_mw * _profile(hours, rng), 1))
            for i, h in enumerate(hours):
                w.writerow([h.strftime("%Y-%m-%d %H:%M:%S"), *(c[i] for c in columns), "demo"])
    return out


def write_demo_trades(out_dir: Path, seed: int = SEED) -> Path:
    """Monthly green power purchases of Beijing and Chongqing, one row per seller."""
    out = out_dir / TRADES_FILE
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 1)
    month_weight = 1 + 0.25 * np.cos(2 * np.pi * (np.arange(12) - 3) / 12)  # windy spring
    month_weight /= month_weight.sum()
    with open(out, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*TRADES_HEADER, TRADES_KIND])
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            for buyer, (first, growth, sellers) in TRADES_SPEC.items():
                annual = first * (1 + growth) ** (year - FIRST_YEAR) * (1 + rng.normal(0, 0.03))
                for m in range(12):
                    for seller, share in sellers.items():
                        mwh = round(annual * month_weight[m] * share / 1000 * rng.uniform(0.9, 1.1))
                        price = round(float(rng.normal(400, 25)), 1)
                        w.writerow(
                            [f"{year}-{m + 1:02d}", seller, buyer, "", mwh, price, mwh, "demo"]
                        )
    return out
