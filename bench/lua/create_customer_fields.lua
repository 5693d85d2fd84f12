-- POST /v1/customers with a unique email and values for the 20 custom fields bench/fields.sh
-- defines (f01…f20: string, integer, number, bool, date and enum in turn), varying per request so
-- the attribute indexes grow at many places.
local key = os.getenv("KEY")
local run = os.getenv("RUN") or "0"
local kinds = { "string", "integer", "number", "bool", "date", "enum" }
local levels = { "bronze", "silver", "gold", "platinum" }
local counter = 0

local function attributes(n)
    local parts = {}
    for i = 1, 20 do
        local kind = kinds[(i - 1) % #kinds + 1]
        local value
        if kind == "string" then
            value = string.format('"s%d-%d"', i, n)
        elseif kind == "integer" then
            value = tostring(n * i % 100000)
        elseif kind == "number" then
            value = string.format("%.2f", (n * i % 10000) / 7)
        elseif kind == "bool" then
            value = (n + i) % 2 == 0 and "true" or "false"
        elseif kind == "date" then
            value = string.format('"2026-%02d-%02d"', (n + i) % 12 + 1, n * i % 28 + 1)
        else
            value = '"' .. levels[(n + i) % #levels + 1] .. '"'
        end
        parts[#parts + 1] = string.format('"f%02d":%s', i, value)
    end
    return "{" .. table.concat(parts, ",") .. "}"
end

request = function()
    counter = counter + 1
    local body = string.format(
        '{"type":"person","name":"压测用户 %d","email":"fields.%s.%d@example.cn","tags":["bench"],"country":"CN","attributes":%s}',
        counter, run, counter, attributes(counter))
    return wrk.format("POST", "/v1/customers", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end
