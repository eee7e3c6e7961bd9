-- Shared by the benchmark's wrk scripts: the headers of a Direct Connect JSON 1.1 request in one region.
-- The Authorization header has SigV4's shape but no valid signature: both servers only read the access key
-- (not 12 digits: the default account, 123456789012) and the region from its credential scope.
local common = {}

function common.headers(region, operation)
   return {
      ["Content-Type"] = "application/x-amz-json-1.1",
      ["X-Amz-Target"] = "OvertureService." .. operation,
      ["Authorization"] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEBENCH/20250101/" .. region
         .. "/directconnect/aws4_request, SignedHeaders=host;x-amz-date, Signature="
         .. string.rep("0", 64),
   }
end

-- A function that makes the whole HTTP request of `operation` for a body: the request wrk.format would write (the
-- same headers, Host included), from a head put together once, where wrk.format builds a table and formats every
-- header on each call. wrk shares the two cores with the server it measures; under key rotation this took its own
-- CPU from about 17 to 14 us a request (user time). Call it from init() or later, once wrk has set Host.
function common.request(region, operation)
   local lines = { "POST / HTTP/1.1", "Host: " .. wrk.headers["Host"] }
   for name, value in pairs(common.headers(region, operation)) do
      lines[#lines + 1] = name .. ": " .. value
   end
   local head = table.concat(lines, "\r\n") .. "\r\nContent-Length: "
   return function(body)
      return head .. #body .. "\r\n\r\n" .. body
   end
end

-- Numbers the threads in setup() (main Lua state) so each thread's own state knows its index (`tid`).
local threads = {}
function common.setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

function common.threads()
   return threads
end

return common
