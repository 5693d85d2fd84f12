-- POST the same JSON body (the BODY variable) to the URL's path: POST /v1/customers/search.
local key = os.getenv("KEY")
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"
