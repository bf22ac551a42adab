package dev.exectask.api.v1alpha1;

import dev.exectask.scripts.InContainerScripts;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a spec the way the CRD schema does, and a little further where a schema cannot (bytes, NUL
 * characters, selector operators). The operator runs it on every task because the installed CRD may
 * be older than the operator and some API servers do not enforce CRD validation; a task that fails
 * it ends {@code Failed}/{@code InvalidSpec} with these sentences as its message.
 */
public final class SpecValidator {

  /** A pod name: an RFC 1123 DNS subdomain. */
  public static final String DNS_SUBDOMAIN_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A container name: an RFC 1123 DNS label. */
  public static final String DNS_LABEL_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** Marks the task's processes so the whole tree can be found; a user value would break that. */
  public static final String RESERVED_ENV_NAME = InContainerScripts.MARKER_ENV;

  static {
    if (!RESERVED_ENV_NAME.startsWith(EnvVar.RESERVED_PREFIX)) {
      throw new IllegalStateException("the marker must be in the reserved prefix");
    }
  }

  static final int MAX_POD_NAME_LENGTH = 253;
  static final int MAX_CONTAINER_NAME_LENGTH = 63;
  static final int MAX_WORKING_DIR_LENGTH = 4096;

  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(DNS_SUBDOMAIN_PATTERN);
  private static final Pattern DNS_LABEL = Pattern.compile(DNS_LABEL_PATTERN);
  private static final Pattern ENV_NAME = Pattern.compile(EnvVar.NAME_PATTERN);
  private static final Pattern LABEL_NAME =
      Pattern.compile("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$");
  private static final int MAX_LABEL_NAME_LENGTH = 63;
  private static final Set<String> OPERATORS_WITH_VALUES = Set.of("In", "NotIn");
  private static final Set<String> OPERATORS_WITHOUT_VALUES = Set.of("Exists", "DoesNotExist");

  private SpecValidator() {}

  /** Returns one sentence per problem found; an empty list means the spec is valid. */
  public static List<String> validate(ExecTaskSpec spec) {
    List<String> problems = new ArrayList<>();
    if (spec == null) {
      problems.add("The task has no spec.");
      return problems;
    }
    checkTarget(spec, problems);
    checkCommand(spec.getCommand(), problems);
    checkStdin(spec.getStdin(), problems);
    checkEnv(spec.getEnv(), problems);
    checkWorkingDir(spec.getWorkingDir(), problems);
    checkAtLeast("timeoutSeconds", spec.getTimeoutSeconds(), 1, problems);
    checkAtLeast("startTimeoutSeconds", spec.getStartTimeoutSeconds(), 0, problems);
    checkAtLeast(
        "terminationGracePeriodSeconds", spec.getTerminationGracePeriodSeconds(), 0, problems);
    checkAtLeast("ttlSecondsAfterFinished", spec.getTtlSecondsAfterFinished(), 0, problems);
    return problems;
  }

  /**
   * The task's message for the problems {@link #validate} found: {@code Invalid spec: A; B; C.},
   * each sentence's own full stop dropped so that the parts join cleanly.
   */
  public static String message(List<String> problems) {
    List<String> parts = new ArrayList<>();
    for (String problem : problems) {
      String part = problem.strip();
      while (part.endsWith(".") || part.endsWith(";")) {
        part = part.substring(0, part.length() - 1).stripTrailing();
      }
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    return parts.isEmpty() ? "Invalid spec." : "Invalid spec: " + String.join("; ", parts) + ".";
  }

  private static void checkTarget(ExecTaskSpec spec, List<String> problems) {
    boolean byName = spec.getPodName() != null;
    boolean bySelector = spec.getPodSelector() != null;
    if (byName == bySelector) {
      problems.add(
          byName
              ? "Set only one of podName and podSelector, not both."
              : "Set one of podName and podSelector to say which pod to run the command in.");
    }
    if (byName) {
      checkName(
          "podName",
          spec.getPodName(),
          DNS_SUBDOMAIN,
          MAX_POD_NAME_LENGTH,
          "lowercase letters, digits, '-' and '.'",
          problems);
    }
    if (bySelector) {
      checkSelector(spec.getPodSelector(), problems);
    }
    if (spec.getContainer() != null) {
      checkName(
          "container",
          spec.getContainer(),
          DNS_LABEL,
          MAX_CONTAINER_NAME_LENGTH,
          "lowercase letters, digits and '-'",
          problems);
    }
  }

  private static void checkName(
      String field,
      String value,
      Pattern pattern,
      int maxLength,
      String alphabet,
      List<String> problems) {
    if (value.isEmpty()) {
      problems.add(field + " must not be empty.");
    } else if (value.length() > maxLength || !pattern.matcher(value).matches()) {
      problems.add(
          String.format(
              "%s \"%s\" is not a valid name: use %s, start and end with a letter or digit, at most"
                  + " %d characters.",
              field, value, alphabet, maxLength));
    }
  }

  private static void checkSelector(LabelSelector selector, List<String> problems) {
    Map<String, String> labels = selector.getMatchLabels();
    List<LabelSelectorRequirement> expressions = selector.getMatchExpressions();
    boolean noLabels = labels == null || labels.isEmpty();
    boolean noExpressions = expressions == null || expressions.isEmpty();
    if (noLabels && noExpressions) {
      problems.add(
          "podSelector must have matchLabels or matchExpressions: an empty selector matches every"
              + " pod.");
    }
    if (!noLabels) {
      labels.forEach(
          (key, value) -> {
            checkLabelKey("podSelector.matchLabels key", key, problems);
            checkLabelValue("podSelector.matchLabels[" + key + "]", value, problems);
          });
    }
    if (!noExpressions) {
      for (int i = 0; i < expressions.size(); i++) {
        checkRequirement("podSelector.matchExpressions[" + i + "]", expressions.get(i), problems);
      }
    }
  }

  private static void checkRequirement(
      String field, LabelSelectorRequirement requirement, List<String> problems) {
    if (requirement == null) {
      problems.add(field + " is null.");
      return;
    }
    checkLabelKey(field + ".key", requirement.getKey(), problems);
    String operator = requirement.getOperator();
    List<String> values = requirement.getValues();
    boolean hasValues = values != null && !values.isEmpty();
    if (OPERATORS_WITH_VALUES.contains(operator)) {
      if (!hasValues) {
        problems.add(field + ".values must not be empty when the operator is " + operator + ".");
      }
    } else if (OPERATORS_WITHOUT_VALUES.contains(operator)) {
      if (hasValues) {
        problems.add(field + ".values must be empty when the operator is " + operator + ".");
      }
    } else {
      problems.add(
          field
              + ".operator \""
              + operator
              + "\" is not one of In, NotIn, Exists and DoesNotExist.");
    }
    if (hasValues) {
      for (int i = 0; i < values.size(); i++) {
        checkLabelValue(field + ".values[" + i + "]", values.get(i), problems);
      }
    }
  }

  /**
   * A label key is an optional DNS subdomain prefix and '/', then a name of up to 63 characters.
   */
  private static void checkLabelKey(String field, String key, List<String> problems) {
    if (key == null || key.isEmpty()) {
      problems.add(field + " must not be empty.");
      return;
    }
    int slash = key.indexOf('/');
    String prefix = slash < 0 ? null : key.substring(0, slash);
    String name = key.substring(slash + 1);
    boolean validPrefix =
        prefix == null
            || (prefix.length() <= MAX_POD_NAME_LENGTH && DNS_SUBDOMAIN.matcher(prefix).matches());
    if (!validPrefix || !isLabelName(name)) {
      problems.add(field + " \"" + key + "\" is not a valid label key.");
    }
  }

  private static void checkLabelValue(String field, String value, List<String> problems) {
    if (value != null && !value.isEmpty() && !isLabelName(value)) {
      problems.add(
          field
              + " \""
              + value
              + "\" is not a valid label value: use letters, digits, '-', '_' and '.', start and"
              + " end with a letter or digit, at most 63 characters.");
    }
  }

  private static boolean isLabelName(String name) {
    return name.length() <= MAX_LABEL_NAME_LENGTH && LABEL_NAME.matcher(name).matches();
  }

  private static void checkCommand(List<String> command, List<String> problems) {
    if (command == null || command.isEmpty()) {
      problems.add("command must have at least one item: the program to run.");
      return;
    }
    if (command.size() > ExecTaskSpec.MAX_COMMAND_ITEMS) {
      problems.add(
          String.format(
              "command has %d items; at most %d are allowed.",
              command.size(), ExecTaskSpec.MAX_COMMAND_ITEMS));
    }
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i) == null) {
        problems.add("command[" + i + "] is null.");
      } else {
        checkNoNul("command[" + i + "]", command.get(i), problems);
      }
    }
  }

  private static void checkStdin(String stdin, List<String> problems) {
    if (stdin == null) {
      return;
    }
    int bytes = stdin.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > ExecTaskSpec.MAX_STDIN_BYTES) {
      problems.add(
          String.format(
              "stdin is %d bytes in UTF-8; at most %d (256 KiB) are allowed.",
              bytes, ExecTaskSpec.MAX_STDIN_BYTES));
    }
    checkNoNul("stdin", stdin, problems);
  }

  private static void checkEnv(List<EnvVar> env, List<String> problems) {
    if (env == null) {
      return;
    }
    if (env.size() > ExecTaskSpec.MAX_ENV_ITEMS) {
      problems.add(
          String.format(
              "env has %d items; at most %d are allowed.", env.size(), ExecTaskSpec.MAX_ENV_ITEMS));
    }
    Map<String, Integer> firstIndex = new java.util.HashMap<>();
    for (int i = 0; i < env.size(); i++) {
      String field = "env[" + i + "]";
      EnvVar variable = env.get(i);
      if (variable == null) {
        problems.add(field + " is null.");
        continue;
      }
      String name = variable.getName();
      if (name == null || name.isEmpty()) {
        problems.add(field + ".name must not be empty.");
      } else if (name.length() > EnvVar.MAX_NAME_LENGTH || !ENV_NAME.matcher(name).matches()) {
        problems.add(
            String.format(
                "%s.name \"%s\" is not a valid variable name: use letters, digits and underscores,"
                    + " not starting with a digit, at most %d characters.",
                field, name, EnvVar.MAX_NAME_LENGTH));
      } else if (name.startsWith(EnvVar.RESERVED_PREFIX)) {
        problems.add(
            field
                + ".name "
                + name
                + " is reserved for the operator: names starting with "
                + EnvVar.RESERVED_PREFIX
                + " are not allowed.");
      } else if (firstIndex.putIfAbsent(name, i) != null) {
        problems.add(
            String.format(
                "%s.name %s is already set by env[%d]: each name may appear once.",
                field, name, firstIndex.get(name)));
      }
      if (variable.getValue() != null) {
        checkNoNul(field + ".value", variable.getValue(), problems);
      }
    }
  }

  private static void checkWorkingDir(String workingDir, List<String> problems) {
    if (workingDir == null) {
      return;
    }
    if (workingDir.isEmpty()) {
      problems.add("workingDir must not be empty when set.");
    } else if (workingDir.length() > MAX_WORKING_DIR_LENGTH) {
      problems.add(
          String.format(
              "workingDir is %d characters long; at most %d are allowed.",
              workingDir.length(), MAX_WORKING_DIR_LENGTH));
    }
    checkNoNul("workingDir", workingDir, problems);
  }

  /** Exec passes argv, environment and paths as C strings, which end at the first NUL. */
  private static void checkNoNul(String field, String value, List<String> problems) {
    if (value.indexOf('\0') >= 0) {
      problems.add(field + " contains a NUL character, which a command cannot receive.");
    }
  }

  private static void checkAtLeast(
      String field, Number value, long minimum, List<String> problems) {
    if (value != null && value.longValue() < minimum) {
      problems.add(String.format("%s is %d; it must be at least %d.", field, value, minimum));
    }
  }
}
