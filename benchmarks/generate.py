"""Write a synthetic Long Biên district as importable CSV files.

    python benchmarks/generate.py --persons 100000 --out /tmp/district
    tracing import persons /tmp/district/persons.csv   # then contacts, checkins, cases, populations

Same arguments, same bytes. Prints the row counts and the time taken.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from tracing.errors import TracingError  # noqa: E402
from tracing.synthetic import generate, write_csv_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="example: python benchmarks/generate.py --persons 100000 --seed 2021 --out /tmp/district",
    )
    parser.add_argument("--persons", type=int, required=True, help="number of persons (≈10 contacts each)")
    parser.add_argument("--seed", type=int, default=2021, help="random seed (default 2021)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2021, 11, 1),
                        help="first day, YYYY-MM-DD (default 2021-11-01)")
    parser.add_argument("--weeks", type=int, default=6, help="length of the period (default 6)")
    parser.add_argument("--out", required=True, help="directory for the CSV files")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        district = generate(args.persons, seed=args.seed, start=args.start, weeks=args.weeks)
        counts = write_csv_dir(district, args.out)
    except TracingError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    took = time.perf_counter() - began
    for name, n in counts.items():
        print(f"{name:12} {n:>12,}  {os.path.join(args.out, name + '.csv')}")
    print(f"{'seconds':12} {took:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
