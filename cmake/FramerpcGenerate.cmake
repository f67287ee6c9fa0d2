# framerpc_generate(<target> PROTOS <file>... [IMPORT_DIRS <dir>...])
#
# Runs protoc once per .proto to write protobuf's <name>.pb.h/.pb.cc and
# framerpc's <name>.framerpc.h/.framerpc.cc (by protoc-gen-framerpc) into
# CMAKE_CURRENT_BINARY_DIR, and adds the static library <target> built from
# them: its public include directory is that output directory, and it links
# PUBLIC to framerpc::framerpc and protobuf::libprotobuf.
#
# Paths. Relative PROTOS and IMPORT_DIRS are taken from
# CMAKE_CURRENT_SOURCE_DIR. A proto keeps its path relative to the first
# IMPORT_DIRS entry that contains it: with IMPORT_DIRS protos,
# protos/a/b/echo.proto becomes a/b/echo.pb.h, a/b/echo.framerpc.h, ...,
# included as "a/b/echo.framerpc.h". Without IMPORT_DIRS the root is
# CMAKE_CURRENT_SOURCE_DIR when the proto lies inside it, else the proto's own
# directory. Every IMPORT_DIRS entry is passed to protoc (-I), so protos
# import each other by those relative paths; protoc finds the well-known
# types (google/protobuf/*.proto) by itself.
#
# Rebuilds when a proto, a proto it imports, or the plugin changes.
#
# Uses the executable targets protobuf::protoc (found with
# find_package(Protobuf) when the calling directory does not see it yet) and
# framerpc::protoc-gen-framerpc (an alias in framerpc's own build, an imported
# target from its installed package).
function(framerpc_generate target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "PROTOS;IMPORT_DIRS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "framerpc_generate(${target}): unexpected arguments "
                        "'${ARG_UNPARSED_ARGUMENTS}' (takes PROTOS, IMPORT_DIRS)")
  endif()
  if(NOT ARG_PROTOS)
    message(FATAL_ERROR "framerpc_generate(${target}): no PROTOS given")
  endif()
  # Imported targets are visible only in the directory that found them, so
  # a caller in another directory may not see protobuf's yet.
  if(NOT TARGET protobuf::protoc OR NOT TARGET protobuf::libprotobuf)
    find_package(Protobuf REQUIRED)
  endif()
  if(NOT TARGET framerpc::protoc-gen-framerpc)
    message(FATAL_ERROR "framerpc_generate(${target}): target "
                        "framerpc::protoc-gen-framerpc is missing; call "
                        "find_package(framerpc) (or add framerpc's tree) first")
  endif()

  set(import_dirs "")
  foreach(dir IN LISTS ARG_IMPORT_DIRS)
    cmake_path(ABSOLUTE_PATH dir BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
               NORMALIZE)
    list(APPEND import_dirs "${dir}")
  endforeach()

  set(out_dir "${CMAKE_CURRENT_BINARY_DIR}")
  set(plugin "$<TARGET_FILE:framerpc::protoc-gen-framerpc>")
  set(generated "")
  foreach(proto IN LISTS ARG_PROTOS)
    cmake_path(ABSOLUTE_PATH proto BASE_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
               NORMALIZE)

    # The root the proto's relative path is taken from; see above.
    set(root "")
    foreach(dir IN LISTS import_dirs)
      cmake_path(IS_PREFIX dir "${proto}" NORMALIZE inside)
      if(inside)
        set(root "${dir}")
        break()
      endif()
    endforeach()
    if(NOT root AND import_dirs)
      message(FATAL_ERROR "framerpc_generate(${target}): ${proto} is not "
                          "inside any of IMPORT_DIRS (${import_dirs})")
    elseif(NOT root)
      cmake_path(IS_PREFIX CMAKE_CURRENT_SOURCE_DIR "${proto}" NORMALIZE inside)
      if(inside)
        set(root "${CMAKE_CURRENT_SOURCE_DIR}")
      else()
        cmake_path(GET proto PARENT_PATH root)
      endif()
    endif()

    set(include_args "")
    foreach(dir IN LISTS import_dirs root)
      list(APPEND include_args "-I${dir}")
    endforeach()
    list(REMOVE_DUPLICATES include_args)

    cmake_path(RELATIVE_PATH proto BASE_DIRECTORY "${root}" OUTPUT_VARIABLE rel)
    string(REGEX REPLACE "\\.(proto|protodevel)$" "" base "${rel}")
    # Sorted as protoc lists them in the depfile: Ninja wants the depfile's
    # first output to be the rule's first output.
    set(outputs
      "${out_dir}/${base}.framerpc.cc"
      "${out_dir}/${base}.framerpc.h"
      "${out_dir}/${base}.pb.cc"
      "${out_dir}/${base}.pb.h")
    set(depfile "${out_dir}/${base}.proto.d")

    add_custom_command(
      OUTPUT ${outputs}
      COMMAND protobuf::protoc
        ${include_args}
        "--cpp_out=${out_dir}"
        "--plugin=protoc-gen-framerpc=${plugin}"
        "--framerpc_out=${out_dir}"
        "--dependency_out=${depfile}"
        "${proto}"
      DEPENDS "${proto}" "${plugin}" protobuf::protoc
      DEPFILE "${depfile}"
      COMMENT "framerpc_generate(${target}): ${rel}"
      VERBATIM)
    list(APPEND generated ${outputs})
  endforeach()

  add_library(${target} STATIC ${generated})
  target_include_directories(${target} PUBLIC "$<BUILD_INTERFACE:${out_dir}>")
  target_link_libraries(${target} PUBLIC framerpc::framerpc
                                         protobuf::libprotobuf)
endfunction()
