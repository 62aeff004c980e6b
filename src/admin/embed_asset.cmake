# Writes OUTPUT, a C++ file defining `const unsigned char <SYMBOL>[]` with INPUT's bytes and
# `const unsigned long <SYMBOL>Size`. Run as: cmake -DINPUT=.. -DOUTPUT=.. -DSYMBOL=.. -P this.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by embed_asset.cmake; do not edit.\n"
  "namespace cachet {\n"
  "extern const unsigned char ${SYMBOL}[];\n"
  "extern const unsigned long ${SYMBOL}Size;\n"
  "const unsigned char ${SYMBOL}[] = {${bytes} 0};\n"
  "const unsigned long ${SYMBOL}Size = ${size};\n"
  "}  // namespace cachet\n")
