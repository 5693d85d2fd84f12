-- GET /v1/customers/{id}/timeline over random customers.
local customers = tonumber(os.getenv("CUSTOMERS") or "1000")
local key = os.getenv("KEY")
math.randomseed(7)
request = function()
    return wrk.format("GET", "/v1/customers/" .. math.random(1, customers) .. "/timeline?limit=20", { ["Authorization"] = "Bearer " .. key })
end
