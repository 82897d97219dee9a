-- wrk script: POST /v1/fractal with a small task (the CLI's eight fields).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"width": 64, "height": 48, "iterations": 100, "xa": -2.0, "xb": 1.0, "ya": -1.5, "yb": 1.5}'
