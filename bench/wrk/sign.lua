-- Sign as a new person on every request, as a browser would: one session cookie and
-- one CSRF token, taken from the statement page once before the run, sent with every
-- submission. Each address is new: the run's name, this thread's number and a counter.
-- Usage: wrk ... -s sign.lua URL -- PATH CSRF_TOKEN COOKIE RUN_NAME
dofile("report.lua")

local path, token, cookie, run_name

function init(args)
  path, token, cookie, run_name = args[1], args[2], args[3], args[4]
end

function request()
  sent = sent + 1
  local body = "person-csrf_token=" .. token ..
    "&person-name=Bench+Signer+" .. sent ..
    "&person-email=" .. run_name .. "-" .. thread_number .. "-" .. sent .. "%40example.org" ..
    "&person-country=UA&person-name_display=full&person-wants_updates=y"
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end
