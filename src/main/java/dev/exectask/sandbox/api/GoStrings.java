package dev.exectask.sandbox.api;

import java.math.BigDecimal;

/** Go's formatting of strings and floats, which the API server's messages are made of. */
final class GoStrings {

  private GoStrings() {}

  /** {@code strconv.Quote}: printable characters as they are, the others escaped. */
  static String quote(String s) {
    StringBuilder quoted = new StringBuilder(s.length() + 2).append('"');
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\t' -> quoted.append("\\t");
                case '\r' -> quoted.append("\\r");
                case 0x07 -> quoted.append("\\a");
                case '\b' -> quoted.append("\\b");
                case '\f' -> quoted.append("\\f");
                case 0x0b -> quoted.append("\\v");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    quoted.append(String.format("\\x%02x", c));
                  } else if (Character.isISOControl(c) || !Character.isDefined(c)) {
                    quoted.append(
                        c > 0xffff ? String.format("\\U%08x", c) : String.format("\\u%04x", c));
                  } else {
                    quoted.appendCodePoint(c);
                  }
                }
              }
            });
    return quoted.append('"').toString();
  }

  /** {@code %v} of a float64: the shortest form, integers without a fraction. */
  static String formatFloat(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e21) {
      return new BigDecimal(d).toBigInteger().toString();
    }
    return Double.toString(d).replace("E", "e+").replace("e+-", "e-");
  }
}
