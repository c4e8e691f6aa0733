# Every external dependency is found here, once. All come from Debian packages
# installed by scripts/install-deps.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(GTest REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(fmt REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMD REQUIRED IMPORTED_TARGET libsystemd)
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-route-3.0)
# The v3 API (etcd/v3rpc): protobuf through CMake's FindProtobuf (protobuf::libprotobuf,
# protobuf::protoc), gRPC's C++ library through pkg-config (Debian's gRPCConfig.cmake works
# too but warns about c-ares on every configure) and its code generator plugin.
find_package(Protobuf 3.12 REQUIRED)
pkg_check_modules(GRPCPP REQUIRED IMPORTED_TARGET grpc++)
# Abseil's mutexes (under gRPC): only to switch off their deadlock detection, which Debian's
# build leaves on (it is meant for debug builds) and which costs every lock a graph update.
pkg_check_modules(ABSL_SYNC REQUIRED IMPORTED_TARGET absl_synchronization)
find_program(GRPC_CPP_PLUGIN grpc_cpp_plugin REQUIRED)
