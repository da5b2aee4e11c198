"""Write the report's simplified map boundaries from ../shared/geo (run by hand, once; the output is committed).

Source: DAGI administrative boundaries (Geodatastyrelsen and Danske Kommuner, FOT data set,
2014-02-13, free geographic data of the Danish state, via the public repository Neogeografen/dagi),
as delivered in ``../shared/geo/``. The polygons of each area are merged, simplified together as a
coverage (``shapely.coverage_simplify`` keeps neighbours' shared borders identical, so no gaps or
slivers), the third coordinate is dropped and coordinates are rounded to 4 decimals (about 10 m).
Shapely is not a dependency of the project: ``python -m venv /tmp/geo && /tmp/geo/bin/pip install
shapely==2.1.2 && /tmp/geo/bin/python reports/scripts/simplify-geo.py``.
"""

import json
from collections import defaultdict
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).parents[1] / "static" / "geo"
SOURCE = Path(__file__).parents[3] / "shared" / "geo"
TOLERANCE = 0.004  # degrees: about 250-450 m, invisible at the size of a report map


def simplify(name: str, key: str, label: str) -> None:
    features = json.loads((SOURCE / f"{name}.geojson").read_text(encoding="utf-8"))["features"]
    parts, labels = defaultdict(list), {}
    for feature in features:
        code = feature["properties"][key]
        parts[code].append(shapely.force_2d(shape(feature["geometry"])))
        labels[code] = feature["properties"][label]
    codes = sorted(parts)
    merged = [shapely.make_valid(shapely.union_all(parts[c])) for c in codes]
    simplified = shapely.coverage_simplify(merged, TOLERANCE)
    out = {"type": "FeatureCollection", "features": []}
    for code, geometry in zip(codes, simplified):
        geometry = shapely.set_precision(geometry, 0.0001)
        out["features"].append({"type": "Feature", "properties": {"code": code, "name": labels[code]},
                                "geometry": mapping(geometry)})
    text = json.dumps(out, ensure_ascii=False, separators=(",", ":"))
    (HERE / f"{name}.geojson").write_text(text, encoding="utf-8")
    print(f"{name}: {len(codes)} areas, {len(text) // 1024} KB")


if __name__ == "__main__":
    simplify("kommuner", "KOMKODE", "KOMNAVN")
    simplify("regioner", "REGIONKODE", "REGIONNAVN")
