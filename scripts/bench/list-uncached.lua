-- wrk script: GET /v1/fractal with a distinct (ignored) query parameter on every request,
-- so the API's page cache never hits: the cost of computing a page.
counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", "/v1/fractal?bench=" .. counter)
end
