-- wrk script: POST /v1/events with batches of $BATCH (default 100) events, every event with
-- an id of its own, for people and items drawn from $USERS and $ITEMS. Counts the events each
-- 2xx reply says were stored, so that the run can be checked against the database afterwards.
-- ANONYMOUS=1: events of page visitors (a session id, no person), as the tracker sends before
-- login. BEACON=1: as navigator.sendBeacon sends them, a text/plain body with the key in the
-- query and no headers of its own.
local users, items = {}, {}
local key = os.getenv("KEY")
-- With $PREFIX (e.g. /shops/beta), paths go under it: a shop of `kindred serve --shops`.
local prefix = os.getenv("PREFIX") or ""
local batch = tonumber(os.getenv("BATCH") or "100")
local anonymous = os.getenv("ANONYMOUS") == "1"
local beacon = os.getenv("BEACON") == "1"
-- Event ids start with RUN, so that runs against the same database are not each other's duplicates.
local run = os.getenv("RUN") or "w"
local types = { "view", "view", "view", "click", "add_to_cart", "purchase" }
local threads = {}
local counter = 0
local sent = 0
local stored = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("USERS")) do users[#users + 1] = line end
  for line in io.lines(os.getenv("ITEMS")) do items[#items + 1] = line end
  math.randomseed(id * 104729)
end

function request()
  sent = sent + 1
  thread_sent = sent
  local now = os.time() * 1000
  local parts = {}
  local who = anonymous and string.format('"session_id":"%s%d-%d"', run, id, sent) or nil
  for n = 1, batch do
    parts[n] = string.format(
      '{"event_id":"%s%d-%d-%d","type":"%s",%s,"item_id":"%s","ts":%d,"device":"mobile","country":"GB"}',
      run, id, sent, n, types[math.random(#types)], who or string.format('"user_id":"%s"', users[math.random(#users)]),
      items[math.random(#items)], now + n)
  end
  local body = '{"events":[' .. table.concat(parts, ",") .. ']}'
  if beacon then
    return wrk.format("POST", prefix .. "/v1/events?key=" .. key, { ["Content-Type"] = "text/plain;charset=UTF-8" }, body)
  end
  return wrk.format("POST", prefix .. "/v1/events", { ["Authorization"] = "Bearer " .. key, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 200 then
    stored = stored + tonumber(body:match('"stored":(%d+)') or "0")
  end
  thread_stored = stored
end

function done(summary, latency, requests)
  local acknowledged, sent_total = 0, 0
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + (thread:get("thread_stored") or 0)
    sent_total = sent_total + (thread:get("thread_sent") or 0)
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    '{"requests":%d,"sent":%d,"seconds":%.2f,"events_acknowledged":%d,"events_per_s":%.0f,"p50_ms":%.3f,"p99_ms":%.3f,"socket_errors":%d,"non_2xx":%d}\n',
    summary.requests, sent_total, seconds, acknowledged, acknowledged / seconds, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
