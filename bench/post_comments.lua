-- wrk script for bench/throughput.py: POSTs a mix of real comments, form-urlencoded.
--
-- Usage: wrk -dD ... -s bench/post_comments.lua URL -- BODIES_FILE RUN_TAG IDS_PREFIX SEND_SECONDS
-- BODIES_FILE holds one form-urlencoded body prefix per line (post id, comment, url). Each request
-- appends an author and email unique to the run, its wrk thread and sequence number, so the
-- service's duplicate rule (same post, same author or email, same text) never answers 409.
-- Every status is counted; the id of every 201 is written to IDS_PREFIX<thread>.txt so the bench
-- can check each one against the database. done() prints one JSON line prefixed "WRK_RESULT ".
--
-- wrk stops at its deadline without waiting for the answers in flight: a comment it sent in the
-- last milliseconds would be stored and never answered. So each thread sends whole comments for
-- SEND_SECONDS only (set D a second longer); after that, each connection's next request is a
-- comment whose last bytes never come. The server waits for them, stores nothing, and the
-- answers to every whole comment arrive before wrk hangs up. The rate is counted over the sending
-- window only: `window_requests` answers received in `window_us`.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local now_ts = ffi.new("bench_timespec")

local function now_us()
   ffi.C.clock_gettime(CLOCK_MONOTONIC, now_ts)
   return tonumber(now_ts.tv_sec) * 1000000 + tonumber(now_ts.tv_nsec) / 1000
end

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local bodies = {}
local n = 0
local seq = 0
local tag = "r"
local ids = nil
local send_us = nil
local first_us = nil
local unfinished = nil
count_201 = 0
count_other = 0
statuses = ""
window_requests = 0
window_us = 0

function init(args)
   local path = args[1]
   tag = args[2] or tag
   if args[3] then
      ids = io.open(args[3] .. tid .. ".txt", "w")
      ids:setvbuf("line")  -- wrk never closes the Lua state: an unflushed buffer would be lost
   end
   for line in io.lines(path) do
      if #line > 0 then
         bodies[#bodies + 1] = line
      end
   end
   if args[4] then
      send_us = tonumber(args[4]) * 1000000
   end
   -- Threads start at different points of the mix.
   n = (tid * 997) % #bodies
   wrk.method = "POST"
   wrk.path = "/comments"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Accept"] = "application/json"
end

local function whole_comment()
   n = n % #bodies + 1
   seq = seq + 1
   local who = tag .. "-" .. tid .. "-" .. seq
   local body = bodies[n] .. "&author=Reader+" .. who .. "&email=reader." .. who .. "%40example.org"
   return wrk.format(nil, nil, nil, body)
end

function request()
   if send_us then
      local now = now_us()
      first_us = first_us or now
      if unfinished then
         return unfinished
      end
      if now - first_us >= send_us then
         window_us = now - first_us
         local full = whole_comment()
         unfinished = string.sub(full, 1, #full - 8)  -- the body's last 8 bytes never come
         return unfinished
      end
   end
   return whole_comment()
end

local other = {}

function response(status, headers, body)
   if not unfinished then
      window_requests = window_requests + 1
   end
   if status == 201 then
      count_201 = count_201 + 1
      if ids then
         ids:write(string.match(body, '"id":%s*(%d+)') or "?", "\n")
      end
   else
      count_other = count_other + 1
      other[status] = (other[status] or 0) + 1
      local parts = {}
      for code, k in pairs(other) do
         parts[#parts + 1] = '"' .. code .. '":' .. k
      end
      statuses = table.concat(parts, ",")
   end
end

function done(summary, latency, requests)
   local ok, bad, codes = 0, 0, {}
   local window_rps, cut_short = 0, false
   for _, thread in ipairs(threads) do
      local w_us = thread:get("window_us")
      if w_us > 0 then
         window_rps = window_rps + thread:get("window_requests") / (w_us / 1000000)
      else
         cut_short = true
      end
      ok = ok + thread:get("count_201")
      bad = bad + thread:get("count_other")
      local s = thread:get("statuses")
      if s ~= nil and #s > 0 then
         codes[#codes + 1] = s
      end
   end
   if cut_short then  -- wrk's deadline came before a thread's window ended: wrk's own rate
      window_rps = summary.requests / (summary.duration / 1000000)
   end
   local status_json = "[]"
   if #codes > 0 then
      status_json = "[{" .. table.concat(codes, "},{") .. "}]"
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"window_rps":%.3f,"answered_201":%d,"other_status":%d,"statuses":%s,' ..
      '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests, summary.duration, window_rps, ok, bad, status_json,
      e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
