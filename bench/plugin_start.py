#!/usr/bin/env python3
"""Plugin start: time from exec of pulumi-resource-orderapi to the port printed on stdout, N runs.

Usage: bench/plugin_start.py [BINARY] [RUNS]  (default: the release binary, 20 runs). Prints figures; also the
idle resident memory of the serving process.
"""
import os
import statistics
import subprocess
import sys
import time

cache = os.environ.get("ORDERAPI_CACHE", os.path.expanduser("~/.cache/pulumi-orderapi"))
target = os.environ.get("CARGO_TARGET_DIR", os.path.join(cache, "target"))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "release", "pulumi-resource-orderapi")
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20

samples, rss = [], []
for _ in range(runs):
    start = time.perf_counter()
    proc = subprocess.Popen([binary, "127.0.0.1:1"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = proc.stdout.readline()
    samples.append((time.perf_counter() - start) * 1000)
    int(line.strip())  # the first line must be the port
    time.sleep(0.05)
    with open(f"/proc/{proc.pid}/status") as f:
        rss += [int(l.split()[1]) for l in f if l.startswith("VmRSS:")]
    proc.kill()
    proc.wait()

samples.sort()
print(f"binary: {binary} ({os.path.getsize(binary) / 1e6:.1f} MB)")
print(f"exec -> port printed over {runs} runs: median {statistics.median(samples):.2f} ms, "
      f"min {samples[0]:.2f} ms, p90 {samples[int(0.9 * (runs - 1))]:.2f} ms, max {samples[-1]:.2f} ms")
print(f"idle RSS: median {statistics.median(rss) / 1024:.1f} MiB")
