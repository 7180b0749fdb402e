-- Search with varied words: each request asks for two words drawn from the seeded titles, so most
-- requests miss the pages kept for visitors and measure the search engine itself.
-- BENCH_WORDS names a file with one word per line.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_DIR") .. "/random.lua")
local words = {}
for line in io.lines(os.getenv("BENCH_WORDS")) do
  words[#words + 1] = line
end

function request()
  local first, second = words[math.random(#words)], words[math.random(#words)]
  return wrk.format("GET", "/search?q=" .. first .. "+" .. second)
end
