#!/usr/bin/env python3
"""make-api-log.py: writes logs/api-access.log, the access log that the api.replay scenario
replays: 40 s of the embedded API's traffic as nginx would log it with

  log_format replay '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                    '"$http_referer" "$http_user_agent" $msec $request_time "$request_body"';

Poisson arrivals at 40/s, a burst of 150 requests within 50 ms every 8 s (the first at 0.5 s, so
that a shortened suite run still meets one), and a quiet gap from 20 s to 25 s. The endpoints mix
reads of the catalogue, single items, health checks and a few item creations with their bodies.
Deterministic (seeded): running it again writes the same file.
"""
import random
import time

START = 1764806400.0  # 2025-12-04T00:00:00Z
SPAN = 40.0
rng = random.Random(30)


def request():
    r = rng.random()
    if r < 0.35:
        return "GET", "/api/items", ""
    if r < 0.75:
        return "GET", "/api/items/%d" % rng.randint(1, 20), ""
    if r < 0.88:
        return "GET", "/health", ""
    if r < 0.95:
        return "GET", "/api/compute?n=%d" % rng.choice([100, 500, 1000]), ""
    body = '{"name":"item-%d","price":%d.%02d}' % (rng.randint(1, 9999), rng.randint(1, 99), rng.randint(0, 99))
    return "POST", "/api/items", body


arrivals = []
t = 0.0
while True:
    t += rng.expovariate(40.0)
    if t >= SPAN:
        break
    if 20.0 <= t < 25.0:
        continue
    arrivals.append(t)
burst = 0.5
while burst < SPAN:
    arrivals += [burst + rng.uniform(0, 0.05) for _ in range(150)]
    burst += 8.0
arrivals.sort()

lines = []
for a in arrivals:
    method, path, body = request()
    took = rng.choice([0.001, 0.001, 0.002, 0.003, 0.005])
    end = START + round(a, 3) + took  # nginx logs when the request ends
    status = 201 if method == "POST" else 200
    local = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(int(end)))
    logged_body = body.replace('"', "\\x22") if body else "-"
    lines.append((end, '127.0.0.1 - - [%s] "%s %s HTTP/1.1" %d %d "-" "shop-web/2.1" %.3f %.3f "%s"' %
                 (local, method, path, status, rng.randint(40, 900), end, took, logged_body)))
lines = [l for _, l in sorted(lines, key=lambda x: x[0])]  # nginx writes a line as its request ends

with open(__file__.rsplit("/", 1)[0] + "/api-access.log", "w") as f:
    f.write("\n".join(lines) + "\n")
print("make-api-log: %d requests over %.0f s" % (len(lines), SPAN))
