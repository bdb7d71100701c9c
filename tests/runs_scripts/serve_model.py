"""A model server: its model is the number in /in/model/weight; GET /predict?x=X answers weight * X.
A model that is no number is a broken one: /healthz answers 500."""

import json
import pathlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MODEL = pathlib.Path("/in/model/weight").read_text().strip()


class Handler(BaseHTTPRequestHandler):
    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/healthz":
            self.answer(200 if MODEL.isdigit() else 500, {"model": MODEL})
        elif url.path == "/predict":
            x = float(parse_qs(url.query)["x"][0])
            self.answer(200, {"y": int(MODEL) * x, "authorization": self.headers.get("Authorization")})
        else:
            self.answer(404, {"error": f"no {url.path}"})


print(f"serving model {MODEL} on port 8080", flush=True)
ThreadingHTTPServer(("127.0.0.1", 8080), Handler).serve_forever()
