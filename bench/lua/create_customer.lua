-- POST /v1/customers with a unique email each time: a durable write through the group-commit writer.
local key = os.getenv("KEY")
local run = os.getenv("RUN") or "0"
local counter = 0
request = function()
    counter = counter + 1
    local body = string.format(
        '{"type":"person","name":"压测用户 %d","email":"bench.%s.%d@example.cn","tags":["bench"],"country":"CN","attributes":{"n":%d}}',
        counter, run, counter, counter)
    return wrk.format("POST", "/v1/customers", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end
