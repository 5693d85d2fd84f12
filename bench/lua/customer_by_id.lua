-- GET /v1/customers/{id} over random ids in 1..CUSTOMERS (env), with the bench key.
local customers = tonumber(os.getenv("CUSTOMERS") or "1000")
local key = os.getenv("KEY")
math.randomseed(42)
request = function()
    return wrk.format("GET", "/v1/customers/" .. math.random(1, customers), { ["Authorization"] = "Bearer " .. key })
end
