// The echo service of the thrift-nb and thrift-threaded bench systems: the
// same call as echo.proto's EchoService.Echo (the reply carries the
// request's payload, copied), for Apache Thrift.
namespace cpp framerpc.bench.thrift_gen

service EchoService {
  binary echo(1: binary payload)
}
