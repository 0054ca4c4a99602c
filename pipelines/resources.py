"""The warehouse as a Dagster resource (resources, not I/O managers: the brief's pitfall list)."""

from __future__ import annotations

import dagster as dg

from greenstat.settings import Home, home
from warehouse.store import Warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The data home; empty means ``$GREENSTAT_HOME`` or ``./data``."""

    home_dir: str = ""

    def home(self) -> Home:
        return home(self.home_dir or None).ensure()

    def warehouse(self) -> Warehouse:
        return Warehouse(self.home())
