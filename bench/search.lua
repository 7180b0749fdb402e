-- Searches drawn at random from a list, so most requests miss the pages kept for visitors and
-- measure the search engine itself. BENCH_QUERIES names a file with one search per line, its words
-- joined by "+" (bench/run.py writes it: two words of the seeded titles, or the full-page pairs).
-- BENCH_PREFIX puts them after another address (bench/similar_http.py: "/posts/similar?title=").
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_DIR") .. "/random.lua")
local prefix = os.getenv("BENCH_PREFIX") or "/search?q="
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
  queries[#queries + 1] = line
end

function request()
  return wrk.format("GET", prefix .. queries[math.random(#queries)])
end
