-- wrk script for bench/throughput.py: POSTs a mix of real comments, form-urlencoded.
--
-- Usage: wrk ... -s bench/post_comments.lua URL -- BODIES_FILE RUN_TAG IDS_PREFIX
-- BODIES_FILE holds one form-urlencoded body prefix per line (post id, comment, url). Each request
-- appends an author and email unique to the run, its wrk thread and sequence number, so the
-- service's duplicate rule (same post, same author or email, same text) never answers 409.
-- Every status is counted; the id of every 201 is written to IDS_PREFIX<thread>.txt so the bench
-- can check each one against the database. done() prints one JSON line prefixed "WRK_RESULT ".

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
count_201 = 0
count_other = 0
statuses = ""

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
   -- Threads start at different points of the mix.
   n = (tid * 997) % #bodies
   wrk.method = "POST"
   wrk.path = "/comments"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   wrk.headers["Accept"] = "application/json"
end

function request()
   n = n % #bodies + 1
   seq = seq + 1
   local who = tag .. "-" .. tid .. "-" .. seq
   local body = bodies[n] .. "&author=Reader+" .. who .. "&email=reader." .. who .. "%40example.org"
   return wrk.format(nil, nil, nil, body)
end

local other = {}

function response(status, headers, body)
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
   for _, thread in ipairs(threads) do
      ok = ok + thread:get("count_201")
      bad = bad + thread:get("count_other")
      local s = thread:get("statuses")
      if s ~= nil and #s > 0 then
         codes[#codes + 1] = s
      end
   end
   local status_json = "[]"
   if #codes > 0 then
      status_json = "[{" .. table.concat(codes, "},{") .. "}]"
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"answered_201":%d,"other_status":%d,"statuses":%s,' ..
      '"socket_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
      summary.requests, summary.duration, ok, bad, status_json,
      e.connect + e.read + e.write, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
