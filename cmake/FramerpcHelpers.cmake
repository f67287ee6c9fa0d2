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
