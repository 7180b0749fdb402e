-- Mixed traffic: 90% anonymous reads, 10% signed-in writes (votes, unvotes, comments).
-- BENCH_MIXED names a Lua file returning {reads = {paths}, sessions = {{cookie, token}}, posts = {ids}}.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_DIR") .. "/random.lua")
local data = dofile(os.getenv("BENCH_MIXED"))

local function pick(list)
  return list[math.random(#list)]
end

function request()
  local r = math.random()
  if r < 0.90 then
    return wrk.format("GET", pick(data.reads))
  end
  local session = pick(data.sessions)
  local post = pick(data.posts)
  local headers = {["Cookie"] = "session=" .. session[1], ["X-CSRFToken"] = session[2],
                   ["Content-Type"] = "application/x-www-form-urlencoded"}
  if r < 0.94 then
    headers["Accept"] = "application/json"
    return wrk.format("POST", "/posts/" .. post .. "/vote", headers, "csrf_token=" .. session[2])
  elseif r < 0.98 then
    headers["Accept"] = "application/json"
    return wrk.format("POST", "/posts/" .. post .. "/unvote", headers, "csrf_token=" .. session[2])
  end
  local body = "csrf_token=" .. session[2] .. "&body=Benchmark+comment+" .. math.random(1, 1000000000)
  return wrk.format("POST", "/posts/" .. post .. "/comments", headers, body)
end
