-- wrk script for the intake benchmark: sends the signed deliveries IntakeBench wrote (a line "event signature length",
-- then the body) in turn, each with a GUID of its own, as GitHub does.
local heads, tails, count, next, serial = {}, {}, 0, 0, 0

function init(args)
  local file = assert(io.open(args[1], "rb"))
  for line in file:lines() do
    local event, signature, length = line:match("^(%S+) (%S+) (%d+)$")
    local body = file:read(tonumber(length))
    count = count + 1
    heads[count] = "POST /api/github/webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nUser-Agent: GitHub-Hookshot/bench\r\n"
      .. "X-GitHub-Event: " .. event .. "\r\nX-Hub-Signature-256: " .. signature .. "\r\nContent-Length: " .. length .. "\r\nX-GitHub-Delivery: "
    tails[count] = "\r\n\r\n" .. body
  end
  file:close()
  serial = tonumber(args[2]) * 1000000000
end

function request()
  next = next % count + 1
  serial = serial + 1
  return heads[next] .. string.format("%08x-0000-4000-8000-%012d", next, serial) .. tails[next]
end
