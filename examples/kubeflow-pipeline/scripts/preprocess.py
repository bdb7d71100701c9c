"""Preprocess the trips into features (seed 004's TFT step, `preprocessing.py` / `preprocessing2.py`).

    python preprocess.py --variant 1|2 --trips DIR --parameters DIR --train OUT --eval OUT

Variant 1 scales the numbers and one-hot encodes the payment type; variant 2 adds log(miles) and
replaces the pickup hour by four day-part buckets. 30 % of the trips (every row whose index is 3,
6 or 9 modulo 10) are held out for evaluation; the label is tips > 20 % of the fare.
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from taxi import PAYMENTS, parameters, read_trips, save_features

DAY_PARTS = ("night", "morning", "day", "evening")


def day_part(hour: int) -> str:
    return "night" if hour < 6 or hour >= 22 else "morning" if hour < 11 else "day" if hour < 17 else "evening"


def features(row: dict[str, str], variant: int) -> tuple[list[float], list[str]]:
    seconds, miles, fare, hour = float(row["trip_seconds"]), float(row["trip_miles"]), float(row["fare"]), int(row["pickup_hour"])
    values = [seconds, miles, fare]
    names = ["trip_seconds", "trip_miles", "fare"]
    if variant == 1:
        values.append(float(hour))
        names.append("pickup_hour")
    else:
        values.append(math.log1p(miles))
        names.append("log_trip_miles")
        values += [1.0 if day_part(hour) == part else 0.0 for part in DAY_PARTS]
        names += [f"day_part={part}" for part in DAY_PARTS]
    values += [1.0 if row["payment_type"] == payment else 0.0 for payment in PAYMENTS]
    names += [f"payment_type={payment}" for payment in PAYMENTS]
    return values, names


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", type=int, choices=(1, 2), required=True)
    for name in ("trips", "parameters", "train", "eval"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    params = parameters(args.parameters)
    if params["preprocess_mode"] != "local":
        raise SystemExit(f"preprocess_mode={params['preprocess_mode']}: only 'local' runs here (seed 004's "
                         "'cloud' meant Google Cloud Dataflow)")
    rows = read_trips(args.trips)
    if params["max_rows"] > 0:
        rows = rows[: params["max_rows"]]
    table = [features(row, args.variant) for row in rows]
    names = table[0][1]
    x = np.array([values for values, _ in table])
    y = np.array([float(row["tips"]) > 0.2 * float(row["fare"]) for row in rows], dtype=float)
    held_out = np.array([i % 10 in (3, 6, 9) for i in range(len(rows))])
    numeric = [i for i, name in enumerate(names) if "=" not in name]
    mean, std = x[~held_out][:, numeric].mean(axis=0), x[~held_out][:, numeric].std(axis=0) + 1e-9
    x[:, numeric] = (x[:, numeric] - mean) / std  # scaled with the training split's statistics, as TFT does
    hours = np.array([int(row["pickup_hour"]) for row in rows])
    # The scaling travels with the features, then with the model, so that serving transforms a trip alike.
    scaling = {"numeric": numeric, "mean": mean.tolist(), "std": std.tolist()}
    meta = {"variant": args.variant, "rows": len(rows), "positive_rate": float(y.mean()), "scaling": scaling}
    save_features(args.train, x[~held_out], y[~held_out], names, meta)
    save_features(args.eval, x[held_out], y[held_out], names, {**meta, "pickup_hour": hours[held_out].tolist()})
    print(f"variant {args.variant}: {len(names)} features, {int((~held_out).sum())} train / {int(held_out.sum())} "
          f"eval trips, {y.mean():.1%} big tippers")


if __name__ == "__main__":
    main()
