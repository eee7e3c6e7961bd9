-- Key rotation over a fixed set of MACsec connections: for each connection, in turn, associate a fresh CKN/CAK
-- pair, then disassociate the oldest key (the first of the keychain the association answered with). Every thread
-- owns a disjoint share of the connections and keeps them in a queue, so no connection has two requests in
-- flight and each one sees associate, disassociate, associate, ... in that order, on every server.
--   wrk -t THREADS -s rotate.lua URL -- REGION IDS_FILE SALT THREADS
local common = require("common") -- found through LUA_PATH, which the driver sets

setup = common.setup

local associate, disassociate, filler, salt
local queue, head, tail = {}, 1, 0
local next_op, oldest = {}, {}
local keys = 0
failed = 0 -- a global, so done() can read it from each thread

function init(args)
   associate = common.request(args[1], "AssociateMacSecKey")
   disassociate = common.request(args[1], "DisassociateMacSecKey")
   filler = common.request(args[1], "DescribeConnections")
   salt = tonumber(args[3])
   local threads, index = tonumber(args[4]), 0
   for id in io.lines(args[2]) do
      if index % threads == tid then
         tail = tail + 1
         queue[tail] = id
         next_op[id] = "associate"
      end
      index = index + 1
   end
end

function request()
   local id = queue[head]
   if id == nil then
      -- Only after failed requests (which a valid run has none of): keep wrk busy with a harmless request.
      return filler('{"connectionId":"dxcon-filler00"}')
   end
   queue[head] = nil
   head = head + 1
   if next_op[id] == "associate" then
      keys = keys + 1
      -- 64 hex digits each, unique per run (salt), thread and key.
      local ckn = string.format("%08x%08x%016x", salt, tid, keys) .. string.rep("0", 32)
      local cak = string.format("%016x%08x%08x", keys, tid, salt) .. string.rep("c", 32)
      return associate(string.format('{"connectionId":"%s","ckn":"%s","cak":"%s"}', id, ckn, cak))
   end
   return disassociate(string.format('{"connectionId":"%s","secretARN":"%s"}', id, oldest[id]))
end

function response(status, _, body)
   local id = body:match('"connectionId"%s*:%s*"([^"]+)"')
   if status ~= 200 or id == nil or next_op[id] == nil then
      failed = failed + 1
      return
   end
   if next_op[id] == "associate" then
      oldest[id] = body:match('"secretARN"%s*:%s*"([^"]+)"')
      next_op[id] = "disassociate"
   else
      next_op[id] = "associate"
   end
   tail = tail + 1
   queue[tail] = id
end

function done()
   local f = 0
   for _, thread in ipairs(common.threads()) do
      f = f + thread:get("failed")
   end
   io.write(string.format("bench: failed %d\n", f))
end
