"""Serve a trained tip model over HTTP (seed 004's deploy step, which served the model with TF Serving).

    python serve.py --model DIR [--port 8500]

GET  /v1/models/taxi           200 with the model's description once it is loaded (the health path)
POST /v1/models/taxi:predict   {"instances": [{"trip_seconds": 600, "trip_miles": 2.5, "fare": 9.5,
                                "pickup_hour": 18, "payment_type": "Credit Card"}, ...]}
                               -> {"predictions": [0.73, ...]}: each trip's probability of a tip above 20 %

The trips are transformed as preprocess.py transformed them (its variant, and the training split's
scaling, which the model carries).
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from preprocess import features
from taxi import sigmoid


class Model:
    def __init__(self, folder: str) -> None:
        arrays = np.load(Path(folder) / "model.npz")
        self.weights, self.bias = arrays["weights"], float(arrays["bias"])
        self.meta: dict[str, Any] = json.loads((Path(folder) / "model.json").read_text())
        scaling = self.meta["scaling"]
        self.numeric = scaling["numeric"]
        self.mean, self.std = np.array(scaling["mean"]), np.array(scaling["std"])

    def predict(self, trips: list[dict[str, Any]]) -> list[float]:
        rows = [features({key: str(value) for key, value in trip.items()}, self.meta["variant"])[0] for trip in trips]
        x = np.array(rows, dtype=float)
        x[:, self.numeric] = (x[:, self.numeric] - self.mean) / self.std
        return [round(float(p), 4) for p in sigmoid(x @ self.weights + self.bias)]


def handler(model: Model) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path == "/v1/models/taxi":
                self.answer(200, {"model": "taxi", "variant": model.meta["variant"], "features": model.meta["features"],
                                  "train_steps": model.meta["train_steps"]})
            else:
                self.answer(404, {"error": f"no {self.path}"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/v1/models/taxi:predict":
                self.answer(404, {"error": f"no {self.path}"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                self.answer(200, {"predictions": model.predict(body["instances"])})
            except (ValueError, KeyError, TypeError) as exc:
                self.answer(400, {"error": f"expected {{\"instances\": [trip, ...]}} with the trips' columns: {exc!r}"})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, default=8500)
    args = parser.parse_args()
    model = Model(args.model)
    print(f"serving the variant-{model.meta['variant']} model ({model.meta['train_steps']} steps) on port {args.port}",
          flush=True)
    ThreadingHTTPServer(("127.0.0.1", args.port), handler(model)).serve_forever()


if __name__ == "__main__":
    main()
