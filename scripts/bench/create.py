"""Creates N small fractals on a faafo API as fast as a few keep-alive connections allow.

Usage: create.py BASE_URL N [CONNECTIONS]. Prints the seconds taken."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

base, n = sys.argv[1], int(sys.argv[2])
connections = int(sys.argv[3]) if len(sys.argv) > 3 else 16
url = urllib.parse.urlparse(base)
body = json.dumps({"width": 64, "height": 64, "iterations": 100, "kind": "mandelbrot",
                   "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5})
counter = iter(range(n))
lock = threading.Lock()
failures = []


def post():
    conn = http.client.HTTPConnection(url.hostname, url.port)
    while True:
        with lock:
            i = next(counter, None)
        if i is None:
            return
        conn.request("POST", "/v1/fractal", body, {"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        if r.status != 201:
            failures.append(r.status)


start = time.monotonic()
threads = [threading.Thread(target=post) for _ in range(connections)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failures:
    sys.exit(f"{len(failures)} creates failed: {failures[:5]}")
print(f"{time.monotonic() - start:.3f}")
