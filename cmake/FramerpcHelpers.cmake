# Build helpers shared by every folder of framerpc.

# Compile options for framerpc's own code (never for generated protobuf code
# of other projects).
function(framerpc_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(FRAMERPC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# framerpc_library(<name> SRCS ... [HDRS ...] [DEPS ...])
# One static library per source folder, with only its direct dependencies.
# framerpc's own code includes internal headers from the repository root
# ("framing/buffer.h") and public ones from include/ ("framerpc/server.h");
# an installed tree has only the public ones.
function(framerpc_library name)
  cmake_parse_arguments(ARG "" "" "SRCS;HDRS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS} ${ARG_HDRS})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}>
    $<INSTALL_INTERFACE:include>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  framerpc_set_warnings(${name})
endfunction()

# Sanitizers apply to everything built in this tree, tests included.
macro(framerpc_apply_sanitizer kind)
  if("${kind}" STREQUAL "address")
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                        -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
  elseif("${kind}" STREQUAL "thread")
    # -Wno-tsan: GCC warns that TSan cannot see atomic_thread_fence, which
    # Abseil's flag headers use; the fence only orders a flag read that our
    # binaries do on their main thread before starting any other.
    add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
    add_link_options(-fsanitize=thread)
  elseif(NOT "${kind}" STREQUAL "")
    message(FATAL_ERROR
      "FRAMERPC_SANITIZE='${kind}': expected empty, 'address' or 'thread'")
  endif()
endmacro()

# framerpc_proto_library(<target> PROTOS <file>... [IMPORT_ROOT <dir>]
#                        [PLUGIN <name> <executable> [PLUGIN_OPTIONS <opts>]]
#                        [DEPS <target>...])
#
# framerpc's own protoc runs, for protos that need protobuf's C++ (or one
# other plugin's) but not framerpc stubs; users get framerpc_generate()
# instead. Adds the static library <target> built from the generated files,
# with the output root as its PUBLIC include directory (build tree only),
# linking PUBLIC to protobuf::libprotobuf and DEPS. Generated code is compiled
# without framerpc's warning flags.
#
# IMPORT_ROOT (default CMAKE_CURRENT_SOURCE_DIR, relative paths taken from
# it) is protoc's -I and must lie inside the project. The output root is the
# matching folder of the build tree, so a proto keeps its path below the root:
# with IMPORT_ROOT ${PROJECT_SOURCE_DIR}, proto/wire.proto is included as
# "proto/wire.pb.h"; with the default, bench/proto/echo.proto as "echo.pb.h".
#
# PLUGIN: run protoc-gen-<name> (the given executable) instead of protobuf's
# C++ generator, with PLUGIN_OPTIONS as its parameter; it must write
# <base>.<name>.pb.{h,cc}, as gRPC's plugin does. The messages' own .pb.cc
# then comes from another target, named in DEPS.
#
# Rebuilds when a proto, a proto it imports, or the plugin changes.
function(framerpc_proto_library target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "IMPORT_ROOT;PLUGIN_OPTIONS"
                        "PROTOS;PLUGIN;DEPS")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_PROTOS)
    message(FATAL_ERROR "framerpc_proto_library(${target}): expected PROTOS "
                        "<file>... [IMPORT_ROOT <dir>] [PLUGIN <name> <exe> "
                        "[PLUGIN_OPTIONS <opts>]] [DEPS <target>...]")
  endif()
  set(root "${CMAKE_CURRENT_SOURCE_DIR}")
  if(ARG_IMPORT_ROOT)
    cmake_path(ABSOLUTE_PATH ARG_IMPORT_ROOT
               BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}" NORMALIZE
               OUTPUT_VARIABLE root)
  endif()
  cmake_path(IS_PREFIX PROJECT_SOURCE_DIR "${root}" NORMALIZE inside)
  if(NOT inside)
    message(FATAL_ERROR "framerpc_proto_library(${target}): IMPORT_ROOT "
                        "${root} is outside ${PROJECT_SOURCE_DIR}")
  endif()
  cmake_path(RELATIVE_PATH root BASE_DIRECTORY "${PROJECT_SOURCE_DIR}"
             OUTPUT_VARIABLE root_rel)
  set(out "${PROJECT_BINARY_DIR}")
  if(NOT root_rel STREQUAL "." AND NOT root_rel STREQUAL "")
    string(APPEND out "/${root_rel}")
  endif()

  set(plugin_depends "")
  set(suffix "pb")
  if(ARG_PLUGIN)
    list(LENGTH ARG_PLUGIN n)
    if(NOT n EQUAL 2)
      message(FATAL_ERROR "framerpc_proto_library(${target}): PLUGIN takes "
                          "<name> <executable>, got '${ARG_PLUGIN}'")
    endif()
    list(GET ARG_PLUGIN 0 name)
    list(GET ARG_PLUGIN 1 exe)
    set(plugin_args "--plugin=protoc-gen-${name}=${exe}")
    if(ARG_PLUGIN_OPTIONS)
      list(APPEND plugin_args "--${name}_out=${ARG_PLUGIN_OPTIONS}:${out}")
    else()
      list(APPEND plugin_args "--${name}_out=${out}")
    endif()
    set(plugin_depends "${exe}")
    set(suffix "${name}.pb")
  else()
    set(plugin_args "--cpp_out=${out}")
  endif()

  set(generated "")
  foreach(proto IN LISTS ARG_PROTOS)
    cmake_path(ABSOLUTE_PATH proto BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
               NORMALIZE)
    cmake_path(IS_PREFIX root "${proto}" NORMALIZE inside)
    if(NOT inside)
      message(FATAL_ERROR "framerpc_proto_library(${target}): ${proto} is "
                          "not inside IMPORT_ROOT ${root}")
    endif()
    cmake_path(RELATIVE_PATH proto BASE_DIRECTORY "${root}"
               OUTPUT_VARIABLE rel)
    string(REGEX REPLACE "\\.proto$" "" base "${rel}")
    # .cc before .h: Ninja wants the rule's first output to be the first one
    # protoc names in the depfile, and protoc lists them sorted.
    set(outputs "${out}/${base}.${suffix}.cc" "${out}/${base}.${suffix}.h")
    set(depfile "${out}/${base}.${suffix}.d")
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc "-I${root}" ${plugin_args}
              "--dependency_out=${depfile}" "${proto}"
      DEPENDS "${proto}" ${plugin_depends} protobuf::protoc
      DEPFILE "${depfile}"
      COMMENT "framerpc_proto_library(${target}): ${rel}"
      VERBATIM)
    list(APPEND generated ${outputs})
  endforeach()

  add_library(${target} STATIC ${generated})
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${out}>")
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
endfunction()
