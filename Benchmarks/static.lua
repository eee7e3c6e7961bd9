-- One fixed request, sent as fast as the server answers: DescribeConnections by ID or with no filter.
--   wrk -s static.lua URL -- REGION OPERATION BODY
local common = require("common") -- found through LUA_PATH, which the driver sets

function init(args)
   wrk.method = "POST"
   wrk.path = "/"
   wrk.headers = common.headers(args[1], args[2])
   wrk.body = args[3]
end
