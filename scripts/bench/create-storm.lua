-- wrk script: POST /v1/fractal as fast as the API takes it, each with a small task, as
-- the issue's disconnect storm did. wrk cuts every open connection when its duration
-- ends (and on its timeouts), so requests are dropped at random points.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"width": 48, "height": 32, "iterations": 60, "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5, "kind": "mandelbrot"}'
