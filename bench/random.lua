-- Each wrk thread draws its own random sequence (used by mixed.lua and search.lua).
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() * 1000 + seed)
end
