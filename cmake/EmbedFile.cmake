# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DNAME=<symbol> -P EmbedFile.cmake
# Writes a .cc defining `extern const char NAME[]` with INPUT's bytes, so the
# binary serves a document kept in the repository (docs/openapi.json).
file(READ "${INPUT}" content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/EmbedFile.cmake. Do not edit.\n"
  "#include <cstddef>\n"
  "namespace phodex::server {\n"
  "extern const char ${NAME}[] = {${bytes} '\\0'};\n"
  "extern const size_t ${NAME}_size = sizeof(${NAME}) - 1;\n"
  "}  // namespace phodex::server\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
