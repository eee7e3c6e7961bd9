-- CreateConnection with unique names, as fast as the server answers, until wrk's duration ends.
--   wrk -s create.lua URL -- REGION LOCATION MACSEC(true|false) NAME_PREFIX
local common = require("common") -- found through LUA_PATH, which the driver sets

setup = common.setup

local headers, location, macsec, prefix
local issued = 0

function init(args)
   headers = common.headers(args[1], "CreateConnection")
   location, macsec, prefix = args[2], args[3], args[4]
end

function request()
   issued = issued + 1
   return wrk.format("POST", "/", headers, string.format(
      '{"location":"%s","bandwidth":"10Gbps","connectionName":"%s-%d-%d","requestMACSec":%s}',
      location, prefix, tid, issued, macsec))
end
