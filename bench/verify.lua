-- wrk script: public verification requests, each for a random (code, name) pair read from the
-- tab-separated file named by $PAIRS (written by skillcert-bench from the seeded database).
-- The URL's path decides the server: skillcert's /api/v1/public/certificates/verify or the
-- limit's /verify; the body is the same.
local bodies = {}

function init(args)
  for line in io.lines(os.getenv("PAIRS")) do
    local code, name = line:match("^([^\t]+)\t(.+)$")
    if code then
      bodies[#bodies + 1] = '{"code":"' .. code .. '","name":"' .. name .. '"}'
    end
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16))
end

function request()
  return wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, bodies[math.random(#bodies)])
end
