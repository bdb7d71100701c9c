"""Write a small taxi-trips table like the one seed 004's pipeline reads (the Chicago taxi trips
in BigQuery), generated, so that no download is needed:

    python prepare_data.py DIR      # writes DIR/trips.csv (3,000 trips, always the same)

Columns: trip_seconds, trip_miles, fare, pickup_hour, payment_type, tips. A tip above 20 % of the
fare makes a "big tipper", the label the pipeline's model learns (as in TFX's taxi example).
"""

from __future__ import annotations

import csv
import math
import random
import sys
from pathlib import Path

PAYMENTS = ("Credit Card", "Cash", "Mobile", "Prcard")
TRIPS = 3000


def trip(rng: random.Random) -> dict[str, object]:
    miles = round(rng.lognormvariate(0.8, 0.8), 2)
    seconds = int(miles * rng.uniform(150, 320) + rng.uniform(60, 400))
    fare = round(3.25 + 2.25 * miles + 0.004 * seconds + rng.uniform(-1, 1), 2)
    hour = rng.choices(range(24), weights=[3, 2, 1, 1, 1, 2, 4, 7, 9, 8, 7, 7, 8, 8, 8, 9, 10, 11, 11, 10, 8, 7, 6, 4])[0]
    payment = rng.choices(PAYMENTS, weights=[55, 35, 7, 3])[0]
    # The truth the model should find: card payers at night on long trips tip well; cash tips are rarely recorded.
    score = {"Credit Card": 1.2, "Cash": -2.5, "Mobile": 0.6, "Prcard": -0.5}[payment]
    score += 0.9 if hour >= 20 or hour < 4 else (-0.3 if 6 <= hour < 10 else 0.0)
    score += 0.35 * math.log1p(miles) - 0.8 + rng.gauss(0, 0.8)
    big = score > 0
    tips = round(fare * (rng.uniform(0.21, 0.35) if big else rng.uniform(0, 0.19) if payment != "Cash" else 0.0), 2)
    return {"trip_seconds": seconds, "trip_miles": miles, "fare": fare, "pickup_hour": hour,
            "payment_type": payment, "tips": tips}


def main() -> None:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "in/trips")
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2018)
    rows = [trip(rng) for _ in range(TRIPS)]
    with open(folder / "trips.csv", "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} trips written to {folder / 'trips.csv'}")


if __name__ == "__main__":
    main()
