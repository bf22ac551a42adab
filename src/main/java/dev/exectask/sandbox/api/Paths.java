package dev.exectask.sandbox.api;

/** Field paths as the API server writes them: {@code spec.env[0].name}. */
final class Paths {

  private Paths() {}

  static String child(String path, String name) {
    return path == null || path.isEmpty() ? name : path + "." + name;
  }

  static String index(String path, int index) {
    return path + "[" + index + "]";
  }
}
