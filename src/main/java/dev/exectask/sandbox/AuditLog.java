package dev.exectask.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The sandbox API server's audit log, as kube-apiserver keeps one ({@code --audit-log-path}): one
 * JSON line per request with when it arrived and when it was answered ({@code
 * requestReceivedTimestamp}, {@code stageTimestamp}), user, verb, HTTP method, full request URI and
 * response code, so that what an API server would record of a request (an exec's URL above all) can
 * be read back. Bounded like {@code --audit-log-maxsize}/{@code --audit-log-maxbackup}: past {@link
 * #DEFAULT_MAX_BYTES} the file moves to {@code audit.log.1} (replacing the previous one) and a new
 * one starts, so a long run keeps at most twice that on disk.
 */
final class AuditLog {

  static final String FILE_NAME = "audit.log";
  static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;

  private static final Logger LOG = Logger.getLogger(AuditLog.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final Path backup;
  private final long maxBytes;
  private final Clock clock;
  private long size;
  private boolean failed;

  private AuditLog(Path file, long maxBytes, Clock clock) {
    this.file = file;
    this.backup = file.resolveSibling(file.getFileName() + ".1");
    this.maxBytes = maxBytes;
    this.clock = clock;
  }

  /** Appends to {@code file}, rotating it past {@code maxBytes}. */
  static AuditLog to(Path file, long maxBytes, Clock clock) {
    AuditLog log = new AuditLog(file, maxBytes, clock);
    try {
      log.size = Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return log;
  }

  /** The log's time now: a request's arrival, stamped with the clock that stamps its answer. */
  Instant now() {
    return clock.instant();
  }

  /**
   * Records a request that arrived at {@code received} and is answered now with {@code code}.
   * {@code authorization} is the request's Authorization header: the log names the user it stands
   * for, never the credential.
   */
  void record(Instant received, String method, String uri, String authorization, int code) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("requestReceivedTimestamp", received.toString());
    line.put("stageTimestamp", clock.instant().toString());
    line.put("user", user(authorization));
    line.put("verb", verb(method, uri));
    line.put("method", method);
    line.put("requestURI", uri);
    line.put("code", code);
    byte[] bytes;
    try {
      bytes = (JSON.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    append(bytes);
  }

  private synchronized void append(byte[] bytes) {
    try {
      if (size > 0 && size + bytes.length > maxBytes) {
        Files.move(file, backup, StandardCopyOption.REPLACE_EXISTING);
        size = 0;
      }
      Files.write(file, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      size += bytes.length;
      failed = false;
    } catch (IOException e) {
      // A full disk must not take the API down with it; say so once per run of failures.
      if (!failed) {
        LOG.warnf(e, "the sandbox cannot write its audit log %s", file);
      }
      failed = true;
    }
  }

  /** The user a bearer token stands for: the kubeconfig's token is the sandbox's one user. */
  static String user(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return "system:anonymous";
    }
    String bearer = "Bearer ";
    if (authorization.regionMatches(true, 0, bearer, 0, bearer.length())
        && authorization.substring(bearer.length()).trim().equals(SandboxApiServer.TOKEN)) {
      return "sandbox";
    }
    return "system:unknown";
  }

  /** The Kubernetes verb of a request, as the audit log of an API server names it. */
  static String verb(String method, String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    boolean watch = query >= 0 && uri.substring(query).matches(".*[?&]watch=(true|1)(&.*)?");
    boolean named = ResourcePath.parse(path).map(p -> p.name() != null).orElse(true);
    return switch (method.toUpperCase(Locale.ROOT)) {
      case "GET" -> watch ? "watch" : named ? "get" : "list";
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(Locale.ROOT);
    };
  }
}
