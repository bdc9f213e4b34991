"""Oracle for tile clipping: shapely's intersection of each polygon (outline and holes) with
its tile. Input: a file of cases, each "CASE", "TILE x0 y0 x1 y1", then "PATH x y x y ..." lines
(the first the outline, the rest holes). Output, one line a case: "area minx miny maxx maxy", or
"empty" when nothing of the polygon lies in the tile."""
import sys

from shapely.geometry import Polygon, box


def main(path):
    cases = []
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words:
                continue
            if words[0] == "CASE":
                cases.append({"tile": None, "paths": []})
            elif words[0] == "TILE":
                cases[-1]["tile"] = [float(v) for v in words[1:5]]
            elif words[0] == "PATH":
                values = [float(v) for v in words[1:]]
                cases[-1]["paths"].append(list(zip(values[0::2], values[1::2])))
    for case in cases:
        outline, *holes = case["paths"]
        shape = Polygon(outline, holes)
        if not shape.is_valid:
            print("invalid")
            continue
        part = shape.intersection(box(*case["tile"]))
        if part.is_empty or part.area == 0:
            print("empty")
            continue
        print(part.area, *part.bounds)


if __name__ == "__main__":
    main(sys.argv[1])
