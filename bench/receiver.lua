-- wrk script for bench/receiver.sh: POSTs the shared sample payload to the receiver with a
-- unique item id per request (thread tag + counter + run nonce), so the dedup path never
-- answers and every request is a new job. Reads PATCHQ_BENCH_PAYLOAD and PATCHQ_BENCH_TOKEN.

local payload_path = os.getenv("PATCHQ_BENCH_PAYLOAD") or "tests/data/v7/webhook_v2.json"
local token = os.getenv("PATCHQ_BENCH_TOKEN") or "bench-token"
local nonce = os.getenv("PATCHQ_BENCH_NONCE") or tostring(os.time())

local file = assert(io.open(payload_path, "rb"))
local body = file:read("*a")
file:close()

-- Split the body around the item id's value once; each request only concatenates.
local field = '"item_id": "'
local at = assert(string.find(body, field, 1, true), "payload has no item_id")
local value_start = at + #field
local value_end = assert(string.find(body, '"', value_start, true))
local prefix = body:sub(1, value_start - 1)
local suffix = body:sub(value_end)

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. token,
}

local next_thread = 0
function setup(thread)
  thread:set("tag", tostring(next_thread))
  next_thread = next_thread + 1
end

local counter = 0
function request()
  counter = counter + 1
  return wrk.format("POST", nil, headers,
                    prefix .. "bench-" .. nonce .. "-" .. tag .. "-" .. counter .. suffix)
end
