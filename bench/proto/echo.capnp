# The echo service of the capnp bench system: the same call as echo.proto's
# EchoService.Echo (the reply carries the request's payload, copied), for
# Cap'n Proto RPC.
@0xda78bc54f910e4f2;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("framerpc::bench::capnp_gen");

interface EchoService {
  echo @0 (payload :Data) -> (payload :Data);
}
