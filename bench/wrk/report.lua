-- Shared by the wrk scripts here: counts responses by outcome in each thread and,
-- when the run ends, prints one line "BENCH {json}" that bench/harness.py reads.
-- wrk keeps a Lua state per thread; setup() runs in the main one and keeps a handle
-- on each thread so that done() can add up their counters.

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

sent, accepted, refused = 0, 0, 0
first_refusal = ""

-- 2xx and 3xx are accepted (the signing form answers a redirect); anything else is a
-- refusal, and the first one's status is kept so that a broken run says why.
function response(status, headers, body)
  if status >= 200 and status < 400 then
    accepted = accepted + 1
  else
    refused = refused + 1
    if first_refusal == "" then first_refusal = tostring(status) end
  end
end

function done(summary, latency, requests)
  local totals = {sent = 0, accepted = 0, refused = 0}
  local first = ""
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do totals[name] = totals[name] + thread:get(name) end
    if first == "" then first = thread:get("first_refusal") end
  end
  local errors = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "sent": %d, "accepted": %d, "refused": %d, ' ..
    '"first_refusal": "%s", "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, totals.sent, totals.accepted, totals.refused,
    first, errors.connect, errors.read, errors.write, errors.timeout))
end
