"""A task that runs until it is stopped, writing one output file first."""

import pathlib
import time

pathlib.Path("/out/1/started").write_text("yes")
print("sleeping", flush=True)
time.sleep(600)
