"""A task that fails (exit 3) until its attempt (KNIT_RUN_ATTEMPT) reaches argv[1], writing which
attempt it is to its output and its log; argv[2], if given, is seconds to sleep first."""

import os
import pathlib
import sys
import time

attempt = int(os.environ["KNIT_RUN_ATTEMPT"])
print(f"attempt {attempt}", flush=True)
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
pathlib.Path("/out/1/attempt").write_text(str(attempt))
sys.exit(0 if attempt >= int(sys.argv[1]) else 3)
