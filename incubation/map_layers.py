"""Further layers of the public map of 亲青家园: another app registers its public places
(e.g. the co-building committees' youth venues) and the map draws them beside the bases,
on the same offline schematic of Guangdong.

    register_layer(MapLayer("venues", _("Youth venues"), venue_points, color="#0d6efd"))

`points()` returns the places as the map draws them: `{"name", "value": [lng, lat], "type",
"unit", "url"}`, public facts only, in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MapLayer:
    key: str
    label: Any
    points: Callable[[], list[dict[str, Any]]]
    color: str = "#0d6efd"
    symbol: str = "diamond"
    order: int = 100


LAYERS: list[MapLayer] = []


def register_layer(layer: MapLayer) -> None:
    """Add a layer (once per key; a later registration of the same key replaces it)."""
    LAYERS[:] = [existing for existing in LAYERS if existing.key != layer.key]
    LAYERS.append(layer)
    LAYERS.sort(key=lambda existing: existing.order)


def layers() -> list[dict[str, Any]]:
    """Every registered layer with its points, for the map page's JSON."""
    return [
        {
            "key": layer.key,
            "name": str(layer.label),
            "color": layer.color,
            "symbol": layer.symbol,
            "points": layer.points(),
        }
        for layer in LAYERS
    ]
