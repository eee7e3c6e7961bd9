-- CreateConnection with unique names, as fast as the server answers, until wrk's duration ends.
--   wrk -s create.lua URL -- REGION LOCATION MACSEC(true|false) NAME_PREFIX
local common = require("common") -- found through LUA_PATH, which the driver sets

setup = common.setup

local create, location, macsec, prefix
local issued = 0

function init(args)
   create = common.request(args[1], "CreateConnection")
   location, macsec, prefix = args[2], args[3], args[4]
end

function request()
   issued = issued + 1
   return create(string.format(
      '{"location":"%s","bandwidth":"10Gbps","connectionName":"%s-%d-%d","requestMACSec":%s}',
      location, prefix, tid, issued, macsec))
end
