-- GET one path on every request: wrk's own default, with the counters of report.lua.
-- Usage: wrk ... -s get.lua URL -- PATH
dofile("report.lua")

local path

function init(args)
  path = args[1]
end

function request()
  sent = sent + 1
  return wrk.format("GET", path)
end
