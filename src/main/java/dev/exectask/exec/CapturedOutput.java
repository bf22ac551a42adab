package dev.exectask.exec;

/** The last bytes of one output stream, as valid UTF-8, and how many bytes the stream carried. */
public record CapturedOutput(String tail, long totalBytes) {
  public static final CapturedOutput NONE = new CapturedOutput("", 0);
}
