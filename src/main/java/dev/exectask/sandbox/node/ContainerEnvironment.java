package dev.exectask.sandbox.node;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment the kubelet and the runtime give a container: the runtime's PATH, HOSTNAME and
 * HOME, then envFrom, then env with $(VAR) references, field references and ConfigMap or Secret
 * keys. It also expands $(VAR) in command and args, as the kubelet does.
 */
final class ContainerEnvironment {
  static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  static final String POD_IP = "127.0.0.1";
  private static final Pattern LABEL_OR_ANNOTATION =
      Pattern.compile("metadata\\.(labels|annotations)\\['(.*)'\\]");

  /** A reference the kubelet cannot resolve yet; it reports CreateContainerConfigError. */
  static final class ConfigError extends Exception {
    private static final long serialVersionUID = 1L;

    ConfigError(String message) {
      super(message);
    }
  }

  /** The container's environment in order, and the part of it a $(VAR) reference may name. */
  record Resolved(Map<String, String> all, Map<String, String> declared) {
    String path() {
      return all.getOrDefault("PATH", DEFAULT_PATH);
    }
  }

  /** Where envFrom and valueFrom take values from, named as the kubelet's errors name them. */
  private enum Source {
    CONFIG_MAP("configmap", "ConfigMap"),
    SECRET("secret", "Secret");

    private final String resource;
    private final String kind;

    Source(String resource, String kind) {
      this.resource = resource;
      this.kind = kind;
    }

    /** The object's key-value pairs, or null when it does not exist. */
    Map<String, String> values(KubernetesClient client, String namespace, String name) {
      if (this == CONFIG_MAP) {
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(name).get();
        return map == null ? null : nonNull(map.getData());
      }
      Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        return null;
      }
      Map<String, String> values = new LinkedHashMap<>(nonNull(secret.getStringData()));
      nonNull(secret.getData())
          .forEach(
              (key, encoded) ->
                  values.put(
                      key,
                      new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)));
      return values;
    }

    /** The object's pairs; empty when it is missing but optional. */
    Map<String, String> require(
        KubernetesClient client, String namespace, String name, Boolean optional)
        throws ConfigError {
      Map<String, String> values = values(client, namespace, name);
      if (values == null && !Boolean.TRUE.equals(optional)) {
        throw new ConfigError(resource + " \"" + name + "\" not found");
      }
      return values == null ? Map.of() : values;
    }

    /** One key's value; null when it or its object is missing but optional. */
    String key(KubernetesClient client, String namespace, String name, String key, Boolean optional)
        throws ConfigError {
      String value = require(client, namespace, name, optional).get(key);
      if (value == null && !Boolean.TRUE.equals(optional)) {
        throw new ConfigError(
            "couldn't find key " + key + " in " + kind + " " + namespace + "/" + name);
      }
      return value;
    }
  }

  private ContainerEnvironment() {}

  static Resolved resolve(Pod pod, Container container, KubernetesClient client)
      throws ConfigError {
    String namespace = pod.getMetadata().getNamespace();
    Map<String, String> declared = new LinkedHashMap<>();
    for (EnvFromSource from : container.getEnvFrom()) {
      String prefix = Objects.requireNonNullElse(from.getPrefix(), "");
      Map<String, String> values = Map.of();
      if (from.getConfigMapRef() != null) {
        values =
            Source.CONFIG_MAP.require(
                client,
                namespace,
                from.getConfigMapRef().getName(),
                from.getConfigMapRef().getOptional());
      } else if (from.getSecretRef() != null) {
        values =
            Source.SECRET.require(
                client,
                namespace,
                from.getSecretRef().getName(),
                from.getSecretRef().getOptional());
      }
      values.forEach((key, value) -> declared.put(prefix + key, value));
    }
    for (EnvVar variable : container.getEnv()) {
      String value =
          variable.getValueFrom() == null
              ? expand(Objects.requireNonNullElse(variable.getValue(), ""), declared)
              : valueFrom(variable.getValueFrom(), pod, client);
      if (value != null) {
        declared.put(variable.getName(), value);
      }
    }
    Map<String, String> all = new LinkedHashMap<>();
    all.put("PATH", DEFAULT_PATH);
    all.put("HOSTNAME", pod.getMetadata().getName());
    all.putAll(declared);
    all.putIfAbsent("HOME", "/root");
    return new Resolved(Collections.unmodifiableMap(all), Collections.unmodifiableMap(declared));
  }

  /** Expands each item's $(VAR) references, for command and args. */
  static List<String> expand(List<String> items, Map<String, String> variables) {
    return items.stream().map(item -> expand(item, variables)).toList();
  }

  /**
   * Kubernetes' expansion: $(NAME) becomes the variable's value when it is defined and stays as
   * written otherwise; $$ is an escaped $.
   */
  static String expand(String input, Map<String, String> variables) {
    StringBuilder out = new StringBuilder(input.length());
    int i = 0;
    while (i < input.length()) {
      char c = input.charAt(i);
      if (c != '$' || i + 1 >= input.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = input.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '(') {
        int close = input.indexOf(')', i + 2);
        if (close < 0) {
          out.append("$(");
          i += 2;
        } else {
          String name = input.substring(i + 2, close);
          String value = variables.get(name);
          out.append(value != null ? value : "$(" + name + ")");
          i = close + 1;
        }
      } else {
        out.append('$').append(next);
        i += 2;
      }
    }
    return out.toString();
  }

  private static String valueFrom(EnvVarSource source, Pod pod, KubernetesClient client)
      throws ConfigError {
    String namespace = pod.getMetadata().getNamespace();
    if (source.getFieldRef() != null) {
      return fieldValue(source.getFieldRef().getFieldPath(), pod);
    }
    if (source.getConfigMapKeyRef() != null) {
      var ref = source.getConfigMapKeyRef();
      return Source.CONFIG_MAP.key(
          client, namespace, ref.getName(), ref.getKey(), ref.getOptional());
    }
    if (source.getSecretKeyRef() != null) {
      var ref = source.getSecretKeyRef();
      return Source.SECRET.key(client, namespace, ref.getName(), ref.getKey(), ref.getOptional());
    }
    // resourceFieldRef: the node keeps no resource accounting to report.
    return "";
  }

  private static String fieldValue(String path, Pod pod) throws ConfigError {
    Matcher keyed = LABEL_OR_ANNOTATION.matcher(path);
    if (keyed.matches()) {
      Map<String, String> values =
          keyed.group(1).equals("labels")
              ? pod.getMetadata().getLabels()
              : pod.getMetadata().getAnnotations();
      return nonNull(values).getOrDefault(keyed.group(2), "");
    }
    return switch (path) {
      case "metadata.name" -> pod.getMetadata().getName();
      case "metadata.namespace" -> pod.getMetadata().getNamespace();
      case "metadata.uid" -> pod.getMetadata().getUid();
      case "spec.nodeName" -> Objects.requireNonNullElse(pod.getSpec().getNodeName(), "");
      case "spec.serviceAccountName" ->
          Objects.requireNonNullElse(pod.getSpec().getServiceAccountName(), "default");
      case "status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs" -> POD_IP;
      default -> throw new ConfigError("unsupported fieldPath: " + path);
    };
  }

  private static Map<String, String> nonNull(Map<String, String> map) {
    return map == null ? Map.of() : map;
  }
}
