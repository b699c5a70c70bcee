// Package textenc writes values as CSV fields and JSON: the one encoder
// behind the shell's csv and jsonl modes (and so `laiondb query` and
// `laiondb run`) and EXPORT's .csv and .jsonl files, so that a value reads
// the same whichever wrote it.
//
// The rules:
//
//   - Numbers are the shortest decimal that reads back as the same value
//     (float64 for FLOAT, float32 for vector elements), in plain notation
//     from 1e-6 up to 1e21 and in exponent notation outside it, as
//     encoding/json writes them: 0.1, -0, 1e-7, 1e+21.
//   - NaN and ±Inf: JSON has no such numbers, so they are null there (and
//     counted, so that callers can warn); a CSV field writes NaN, Inf and
//     -Inf, which strconv.ParseFloat, Python and DuckDB read back.
//   - CSV (RFC 4180): NULL is an empty field and the empty string a quoted
//     one (""), as PostgreSQL writes them, so that the two stay apart; a
//     field is quoted when it holds a comma, a quote or a line break, or
//     starts or ends with a space or tab (which some readers drop); a
//     vector is its JSON array in one field.
//   - JSON strings escape quotes, backslashes and control characters,
//     replace invalid UTF-8 with U+FFFD, and escape U+2028 and U+2029 so
//     that a line is also valid JavaScript.
//
// The shell's table and line modes are for reading, not for reading back:
// they show floats to 6 significant digits and abbreviate vectors.
package textenc
