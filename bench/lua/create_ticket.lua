-- POST /v1/tickets for random customers (SLA due times computed on create).
local customers = tonumber(os.getenv("CUSTOMERS") or "1000")
local key = os.getenv("KEY")
math.randomseed(13)
request = function()
    local body = string.format('{"customer_id":%d,"subject":"压测工单","priority":"high"}', math.random(1, customers))
    return wrk.format("POST", "/v1/tickets", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end
