-- Searches drawn at random from a list, so most requests miss the pages kept for visitors and
-- measure the search engine itself. BENCH_QUERIES names a file with one search per line, its words
-- joined by "+" (bench/run.py writes it: two words of the seeded titles, or the full-page pairs).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
dofile(os.getenv("BENCH_DIR") .. "/random.lua")
local queries = {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
  queries[#queries + 1] = line
end

function request()
  return wrk.format("GET", "/search?q=" .. queries[math.random(#queries)])
end
