-- POST /v1/orders for random customers: a durable write that also refreshes the customer's metrics.
local customers = tonumber(os.getenv("CUSTOMERS") or "1000")
local key = os.getenv("KEY")
math.randomseed(11)
request = function()
    local body = string.format(
        '{"customer_id":%d,"amount":%d,"currency":"CNY","ordered_at":"2026-11-20T10:00:00Z","items":[{"sku":"B-1","name":"压测商品","quantity":1,"unit_amount":%d}]}',
        math.random(1, customers), 12990, 12990)
    return wrk.format("POST", "/v1/orders", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end
