-- wrk script: GET /v1/fractal where every request is a list query of its own: a random
-- page among the first 50, a random page size (1-40), one of the searches clients make,
-- and a counter so that even a repeated combination misses the API's page cache. The
-- cost measured is that of computing a page: the rows, the total, the JSON.
--
-- The searches: the original's listing (uuid order), the gallery's and `faafo list
-- --newest` (newest first), `faafo list --status ...` with and without --newest, a kind,
-- and one filter no index serves (a range of widths), so ad-hoc queries are in the mix.
local searches = {
    "",
    '{"order_by":[{"field":"created_at","direction":"desc"}]}',
    '{"filters":[{"name":"status","op":"in","val":["done"]}]}',
    '{"filters":[{"name":"status","op":"in","val":["failed"]}]}',
    '{"filters":[{"name":"status","op":"in","val":["done"]}],"order_by":[{"field":"created_at","direction":"desc"}]}',
    '{"filters":[{"name":"status","op":"eq","val":"pending"}],"order_by":[{"field":"created_at"}]}',
    '{"filters":[{"name":"status","op":"in","val":["pending","rendering"]}],"order_by":[{"field":"created_at","direction":"desc"}]}',
    '{"filters":[{"name":"kind","op":"eq","val":"julia"}],"order_by":[{"field":"created_at","direction":"desc"}]}',
    '{"filters":[{"name":"width","op":"ge","val":512}]}',
}

local function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local encoded = {}
for i, s in ipairs(searches) do
    encoded[i] = s == "" and "" or ("&q=" .. urlencode(s))
end

-- Each thread numbers its requests; the thread's number keeps the threads apart.
local threads = 0
setup = function(thread)
    threads = threads + 1
    thread:set("id", threads)
end
counter = 0
init = function(args)
    math.randomseed(os.time() * 100 + (id or 0))
end
request = function()
    counter = counter + 1
    local path = string.format("/v1/fractal?page=%d&results_per_page=%d%s&n=%d-%d",
        math.random(1, 50), math.random(1, 40), encoded[math.random(#encoded)], id or 0, counter)
    return wrk.format("GET", path)
end
