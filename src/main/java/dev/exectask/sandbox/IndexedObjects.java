package dev.exectask.sandbox;

import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mock's store of objects (each object's attributes to its JSON), indexed by what names one
 * object: API group, plural, namespace and name. fabric8's store finds an object by testing every
 * stored one against the request's attributes, which under the store's one write lock makes every
 * write cost as much as there are objects; with the index, a named read or write costs the same at
 * ten objects and at ten thousand.
 *
 * <p>The mock writes its store through {@link #put}, {@link #remove} and {@link #clear} only; the
 * index follows those three.
 */
final class IndexedObjects extends LinkedHashMap<AttributeSet, String> {

  private static final String API = KubernetesAttributesExtractor.API;
  private static final String PLURAL = KubernetesAttributesExtractor.PLURAL;
  private static final String NAMESPACE = KubernetesAttributesExtractor.NAMESPACE;
  private static final String NAME = KubernetesAttributesExtractor.NAME;

  /** The keys of the stored objects by their name key (immutable lists: read without a lock). */
  private final Map<String, List<AttributeSet>> byName = new ConcurrentHashMap<>();

  @Override
  public String put(AttributeSet key, String value) {
    String previous = super.put(key, value);
    nameKey(key)
        .ifPresent(
            name ->
                byName.compute(
                    name,
                    (k, keys) -> {
                      if (keys == null) {
                        return List.of(key);
                      }
                      if (keys.contains(key)) {
                        return keys;
                      }
                      List<AttributeSet> all = new ArrayList<>(keys);
                      all.add(key);
                      return List.copyOf(all);
                    }));
    return previous;
  }

  @Override
  public String remove(Object key) {
    String previous = super.remove(key);
    if (previous != null && key instanceof AttributeSet attributes) {
      nameKey(attributes)
          .ifPresent(
              name ->
                  byName.computeIfPresent(
                      name,
                      (k, keys) -> {
                        List<AttributeSet> rest = new ArrayList<>(keys);
                        rest.remove(attributes);
                        return rest.isEmpty() ? null : List.copyOf(rest);
                      }));
    }
    return previous;
  }

  @Override
  public void clear() {
    super.clear();
    byName.clear();
  }

  /**
   * Whether {@code query} names one object by exact values of its plural and name (and of its group
   * and namespace, where it gives them), so that {@link #find} answers it; a list, a selector on
   * the name or a wildcard is scanned for, as the mock does.
   */
  static boolean namesOne(AttributeSet query) {
    if (!isExact(query, PLURAL) || !isExact(query, NAME)) {
      return false;
    }
    return List.of(API, NAMESPACE).stream()
        .allMatch(attribute -> !query.containsKey(attribute) || isExact(query, attribute));
  }

  /**
   * Whether the query asks for an object without a name, as a create with a generateName does
   * before the name is made: no stored object is one, so the answer needs no look at them.
   */
  static boolean namesNone(AttributeSet query) {
    Attribute name = query.getAttribute(NAME);
    return name != null
        && name.getType() == AttributeType.WITH
        && name.getValues().size() == 1
        && value(query, NAME) == null;
  }

  /**
   * The stored object that a {@linkplain #namesOne naming} query matches, or null; the caller holds
   * the store's lock.
   */
  Map.Entry<AttributeSet, String> find(AttributeSet query) {
    List<AttributeSet> keys = byName.get(nameKey(query).orElseThrow());
    if (keys != null) {
      for (AttributeSet key : keys) {
        String value = get(key);
        if (value != null && key.matches(query)) {
          return Map.entry(key, value);
        }
      }
    }
    return null;
  }

  /** Group, plural, namespace and name; empty for an object without a plural or a name. */
  private static Optional<String> nameKey(AttributeSet attributes) {
    String plural = value(attributes, PLURAL);
    String name = value(attributes, NAME);
    if (plural == null || name == null) {
      return Optional.empty();
    }
    return Optional.of(
        String.join(
            "/",
            String.valueOf(value(attributes, API)),
            plural,
            String.valueOf(value(attributes, NAMESPACE)),
            name));
  }

  private static String value(AttributeSet attributes, String key) {
    Attribute attribute = attributes.getAttribute(key);
    if (attribute == null || attribute.getValues().isEmpty()) {
      return null;
    }
    return attribute.getValues().get(0).toString();
  }

  /**
   * One value to equal: not "*" (which the mock's values take as any), nor none (a create with a
   * generateName asks whether an object without a name exists).
   */
  private static boolean isExact(AttributeSet query, String key) {
    Attribute attribute = query.getAttribute(key);
    if (attribute == null
        || attribute.getType() != AttributeType.WITH
        || attribute.getValues().size() != 1) {
      return false;
    }
    String value = value(query, key);
    return value != null && !value.equals("*");
  }
}
