-- wrk script: GET /v1/users/{id}/recommendations for people drawn at random from $USERS
-- (one raw user id per line), with the public key $KEY. With $RATE set, each connection
-- paces itself so that all of them together send about $RATE requests per second
-- ($CONNECTIONS must match wrk's -c; $DELAY_MS, when set, is the pause after each answer);
-- without it, wrk sends as fast as answers come.
local users = {}
local key = os.getenv("KEY")
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "16")
-- The pause after each answer: the pacing period less the time the answer took (about p50).
local pause = tonumber(os.getenv("DELAY_MS") or "-1")
local path = os.getenv("ROUTE") or "recommendations"
-- With $PREFIX (e.g. /shops/alpha), paths go under it: a shop of `kindred serve --shops`.
local prefix = os.getenv("PREFIX") or ""
-- With $TOKENS (lines "user<TAB>token"), requests are for those people, each with their user
-- token, as a storefront sends them after login: personalized, where without a token a public
-- key gets a stranger's list.
local tokens = {}
-- With $CONTEXT set, each request says a device class, a local hour and a country, drawn at
-- random, as a storefront that knows them sends them (what a contextual bandit reads).
local context = os.getenv("CONTEXT")
local devices = { "mobile", "desktop", "tablet" }
local countries = { "GB", "DE", "FR", "US", "NL" }
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  if os.getenv("TOKENS") then
    for line in io.lines(os.getenv("TOKENS")) do
      local user, token = line:match("^(.-)\t(.*)$")
      users[#users + 1] = user
      tokens[#users] = token
    end
  else
    for line in io.lines(os.getenv("USERS")) do users[#users + 1] = line end
  end
  math.randomseed(id * 7919)
end

function request()
  local headers = { ["Authorization"] = "Bearer " .. key }
  if path == "healthz" then return wrk.format("GET", "/healthz", headers) end
  local n = math.random(#users)
  if tokens[n] then headers["X-Kindred-User-Token"] = tokens[n] end
  if path == "page" then return wrk.format("GET", prefix .. "/v1/users/" .. users[n] .. "/page?surface=home", headers) end
  local query = "k=10"
  if context then
    query = query .. "&device=" .. devices[math.random(#devices)] .. "&hour=" .. math.random(0, 23)
      .. "&country=" .. countries[math.random(#countries)]
  end
  return wrk.format("GET", prefix .. "/v1/users/" .. users[n] .. "/recommendations?" .. query, headers)
end

function delay()
  if pause >= 0 then return pause end
  if rate > 0 then return connections * 1000 / rate end
  return 0
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"seconds":%.2f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"p999_ms":%.3f,"max_ms":%.3f,"socket_errors":%d,"non_2xx":%d}\n',
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000, latency.max / 1000,
    errors.connect + errors.read + errors.write + errors.timeout, errors.status))
end
