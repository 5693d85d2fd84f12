-- PATCH /v1/opportunities/{id}: moves open opportunities (ids listed in the file OPPORTUNITIES)
-- back and forth between two open stages, so every request is a real stage change with history.
local key = os.getenv("KEY")
local ids = {}
for line in io.lines(os.getenv("OPPORTUNITIES")) do ids[#ids + 1] = tonumber(line) end
local flips = {}
local next = 0
request = function()
    next = next % #ids + 1
    local id = ids[next]
    flips[id] = not flips[id]
    local stage = flips[id] and "proposal" or "needs_analysis"
    return wrk.format("PATCH", "/v1/opportunities/" .. id,
        { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" },
        '{"stage":"' .. stage .. '"}')
end
