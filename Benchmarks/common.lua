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
