package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Label and field selectors with the grammar of the API server ({@code a=b}, {@code a!=b}, {@code a
 * in (x,y)}, {@code a notin (x)}, {@code a}, {@code !a}); the CRUD mock only knows equality.
 */
final class Selector implements Predicate<JsonNode> {

  static final Selector EVERYTHING = new Selector(List.of());

  private static final Pattern SET_BASED =
      Pattern.compile("^\\s*([^\\s!=<>(),]+)\\s+(in|notin)\\s*\\(([^)]*)\\)\\s*$");
  private static final Pattern EQUALITY =
      Pattern.compile("^\\s*([^\\s!=<>(),]+)\\s*(==|=|!=|>|<)\\s*([^\\s!=<>(),]*)\\s*$");
  private static final Pattern EXISTS = Pattern.compile("^\\s*(!?)\\s*([^\\s!=<>(),]+)\\s*$");

  private final List<Predicate<JsonNode>> requirements;

  private Selector(List<Predicate<JsonNode>> requirements) {
    this.requirements = requirements;
  }

  /** Parses a label selector; throws IllegalArgumentException with the API server's wording. */
  static Selector labels(String selector) {
    return parse(selector, true);
  }

  /** Parses a field selector: equality on dotted paths such as {@code metadata.name}. */
  static Selector fields(String selector) {
    return parse(selector, false);
  }

  @Override
  public boolean test(JsonNode object) {
    return requirements.stream().allMatch(r -> r.test(object));
  }

  Selector and(Selector other) {
    List<Predicate<JsonNode>> all = new ArrayList<>(requirements);
    all.addAll(other.requirements);
    return new Selector(all);
  }

  private static Selector parse(String selector, boolean labels) {
    if (selector == null || selector.isBlank()) {
      return EVERYTHING;
    }
    List<Predicate<JsonNode>> requirements = new ArrayList<>();
    for (String requirement : splitTopLevel(selector)) {
      requirements.add(requirement(requirement, labels));
    }
    return new Selector(requirements);
  }

  private static Predicate<JsonNode> requirement(String text, boolean labels) {
    Matcher m = SET_BASED.matcher(text);
    if (labels && m.matches()) {
      String key = m.group(1);
      Set<String> values =
          Arrays.stream(m.group(3).split(",")).map(String::trim).collect(Collectors.toSet());
      boolean in = m.group(2).equals("in");
      return object -> {
        String value = label(object, key);
        return in
            ? value != null && values.contains(value)
            : value == null || !values.contains(value);
      };
    }
    m = EQUALITY.matcher(text);
    if (m.matches()) {
      String key = m.group(1);
      String operator = m.group(2);
      String expected = m.group(3);
      return object -> {
        String value = labels ? label(object, key) : field(object, key);
        return switch (operator) {
          case "!=" -> value == null || !value.equals(expected);
          case ">", "<" -> compare(value, expected, operator);
          default -> value != null && value.equals(expected);
        };
      };
    }
    m = EXISTS.matcher(text);
    if (labels && m.matches()) {
      boolean negated = !m.group(1).isEmpty();
      String key = m.group(2);
      return object -> (label(object, key) != null) != negated;
    }
    throw new IllegalArgumentException("unable to parse requirement: " + text.trim());
  }

  private static boolean compare(String value, String expected, String operator) {
    try {
      long actual = Long.parseLong(value);
      long bound = Long.parseLong(expected);
      return operator.equals(">") ? actual > bound : actual < bound;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static String label(JsonNode object, String key) {
    JsonNode value = object.path("metadata").path("labels").get(key);
    return value == null || value.isNull() ? null : value.asText();
  }

  /** A missing field compares as the empty string, as the API server's field sets do. */
  private static String field(JsonNode object, String path) {
    JsonNode node = object;
    for (String part : path.split("\\.")) {
      node = node.path(part);
    }
    return node.isMissingNode() || node.isNull() ? "" : node.asText();
  }

  /** Splits on commas that are not inside the parentheses of a set. */
  private static List<String> splitTopLevel(String selector) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < selector.length(); i++) {
      char c = selector.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(selector.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(selector.substring(start));
    return parts.stream().filter(p -> !p.isBlank()).toList();
  }
}
