package dev.exectask.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.OpaqueType;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelFunctionBinding;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MatchCondition;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.NamedRuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The requester-authorization policy of deploy/policy, its CEL compiled and evaluated as the API
 * server would: the expressions are read from the committed YAML, and Kubernetes' {@code
 * authorizer} library is declared with its real signatures, backed by a table of what each
 * requester may do.
 */
class RequesterAuthorizationPolicyTest {

  static final Path POLICY_FILE = Manifests.DEPLOY.resolve("policy/requester-authorization.yaml");
  private static final String OPERATOR = "system:serviceaccount:exectask-system:exectask-operator";

  /** One RBAC permission; a null name means every object of the resource (no resourceNames). */
  record Grant(
      String user,
      String verb,
      String resource,
      String subresource,
      String namespace,
      String name) {

    boolean allows(String user, String verb, ResourceCheck check) {
      return this.user.equals(user)
          && this.verb.equals(verb)
          && check.group().isEmpty()
          && resource.equals(check.resource())
          && subresource.equals(check.subresource())
          && namespace.equals(check.namespace())
          && (name == null || name.equals(check.name()));
    }
  }

  /** {@code authorizer}, bound to the requesting user as the API server binds it. */
  record Authorizer(String user, List<Grant> grants) {}

  record GroupCheck(Authorizer authorizer, String group) {}

  record ResourceCheck(
      Authorizer authorizer,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name) {
    ResourceCheck with(String field, String value) {
      return switch (field) {
        case "subresource" ->
            new ResourceCheck(authorizer, group, resource, value, namespace, name);
        case "namespace" ->
            new ResourceCheck(authorizer, group, resource, subresource, value, name);
        case "name" ->
            new ResourceCheck(authorizer, group, resource, subresource, namespace, value);
        default -> throw new IllegalArgumentException(field);
      };
    }
  }

  record Decision(boolean allowed) {}

  private static final OpaqueType AUTHORIZER =
      OpaqueType.create("kubernetes.authorization.Authorizer");
  private static final OpaqueType GROUP_CHECK =
      OpaqueType.create("kubernetes.authorization.GroupCheck");
  private static final OpaqueType RESOURCE_CHECK =
      OpaqueType.create("kubernetes.authorization.ResourceCheck");
  private static final OpaqueType DECISION = OpaqueType.create("kubernetes.authorization.Decision");

  /** The variables a ValidatingAdmissionPolicy expression sees, and the authorizer library. */
  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("object", SimpleType.DYN)
          .addVar("oldObject", SimpleType.DYN)
          .addVar("request", SimpleType.DYN)
          .addVar("params", SimpleType.DYN)
          .addVar("namespaceObject", SimpleType.DYN)
          .addVar("authorizer", AUTHORIZER)
          .addFunctionDeclarations(
              member("group", "authorizer_group", GROUP_CHECK, AUTHORIZER, SimpleType.STRING),
              member("resource", "groupcheck_resource", RESOURCE_CHECK, GROUP_CHECK),
              member("subresource", "resourcecheck_subresource", RESOURCE_CHECK, RESOURCE_CHECK),
              member("namespace", "resourcecheck_namespace", RESOURCE_CHECK, RESOURCE_CHECK),
              member("name", "resourcecheck_name", RESOURCE_CHECK, RESOURCE_CHECK),
              member("check", "resourcecheck_check", DECISION, RESOURCE_CHECK),
              CelFunctionDecl.newFunctionDeclaration(
                  "allowed",
                  CelOverloadDecl.newMemberOverload("decision_allowed", SimpleType.BOOL, DECISION)))
          .addFunctionBindings(
              CelFunctionBinding.from(
                  "authorizer_group", Authorizer.class, String.class, GroupCheck::new),
              CelFunctionBinding.from(
                  "groupcheck_resource",
                  GroupCheck.class,
                  String.class,
                  (g, resource) ->
                      new ResourceCheck(g.authorizer(), g.group(), resource, "", "", null)),
              CelFunctionBinding.from(
                  "resourcecheck_subresource",
                  ResourceCheck.class,
                  String.class,
                  (c, v) -> c.with("subresource", v)),
              CelFunctionBinding.from(
                  "resourcecheck_namespace",
                  ResourceCheck.class,
                  String.class,
                  (c, v) -> c.with("namespace", v)),
              CelFunctionBinding.from(
                  "resourcecheck_name",
                  ResourceCheck.class,
                  String.class,
                  (c, v) -> c.with("name", v)),
              CelFunctionBinding.from(
                  "resourcecheck_check",
                  ResourceCheck.class,
                  String.class,
                  (c, verb) ->
                      new Decision(
                          c.authorizer().grants().stream()
                              .anyMatch(g -> g.allows(c.authorizer().user(), verb, c)))),
              CelFunctionBinding.from("decision_allowed", Decision.class, Decision::allowed))
          .build();

  /** Member functions taking one string, as every step of the authorizer's builder does. */
  private static CelFunctionDecl member(
      String function,
      String overload,
      dev.cel.common.types.CelType result,
      dev.cel.common.types.CelType receiver) {
    return member(function, overload, result, receiver, SimpleType.STRING);
  }

  private static CelFunctionDecl member(
      String function,
      String overload,
      dev.cel.common.types.CelType result,
      dev.cel.common.types.CelType receiver,
      dev.cel.common.types.CelType argument) {
    return CelFunctionDecl.newFunctionDeclaration(
        function, CelOverloadDecl.newMemberOverload(overload, result, receiver, argument));
  }

  private static final List<Grant> GRANTS =
      List.of(
          // May exec into every pod of team-a (the built-in edit role does this).
          new Grant("alice", "create", "pods", "exec", "team-a", null),
          // May exec only into pod demo of team-a.
          new Grant("carol", "create", "pods", "exec", "team-a", "demo"),
          // Holds only the verb websocket exec was authorized as before Kubernetes 1.35.
          new Grant("dave", "get", "pods", "exec", "team-a", null),
          // May exec, but in another namespace.
          new Grant("erin", "create", "pods", "exec", "team-b", null),
          // May read pods, not exec.
          new Grant("frank", "get", "pods", "", "team-a", null));

  private final List<HasMetadata> objects = Manifests.objects(POLICY_FILE);
  private final ValidatingAdmissionPolicy policy =
      Manifests.find(objects, ValidatingAdmissionPolicy.class, "exectask-requester-may-exec");

  @Test
  void judgesOnlyTheCreationOfExecTasks() {
    List<NamedRuleWithOperations> rules = policy.getSpec().getMatchConstraints().getResourceRules();
    assertEquals(1, rules.size());
    NamedRuleWithOperations rule = rules.get(0);
    assertEquals(List.of("exectask.dev"), rule.getApiGroups());
    assertEquals(List.of("CREATE"), rule.getOperations());
    assertEquals(List.of("exectasks"), rule.getResources(), "no subresource: status is not judged");
    assertEquals("Fail", policy.getSpec().getFailurePolicy());
  }

  @Test
  void theBindingDeniesWithThisPolicy() {
    ValidatingAdmissionPolicyBinding binding =
        Manifests.find(
            objects, ValidatingAdmissionPolicyBinding.class, policy.getMetadata().getName());
    assertEquals(policy.getMetadata().getName(), binding.getSpec().getPolicyName());
    assertEquals(List.of("Deny"), binding.getSpec().getValidationActions());
  }

  @Test
  void everyExpressionCompiles() {
    for (String expression : expressions()) {
      compile(expression);
    }
  }

  @Test
  void theOperatorsOwnRequestsAreNotJudged() {
    assertThat(matches(request(OPERATOR, "team-a"))).isFalse();
    assertThat(matches(request("alice", "team-a"))).isTrue();
    assertThat(matches(request("system:serviceaccount:team-a:ci", "team-a"))).isTrue();
  }

  @Test
  void podNameNeedsExecOnThatPod() {
    assertThat(admits("alice", "team-a", byName("demo"))).isTrue();
    assertThat(admits("carol", "team-a", byName("demo"))).isTrue();
    assertThat(admits("carol", "team-a", byName("other"))).isFalse();
    assertThat(admits("erin", "team-a", byName("demo"))).isFalse();
    assertThat(admits("frank", "team-a", byName("demo"))).isFalse();
    assertThat(admits("mallory", "team-a", byName("demo"))).isFalse();
  }

  @Test
  void podSelectorNeedsExecOnEveryPodOfTheNamespace() {
    assertThat(admits("alice", "team-a", bySelector())).isTrue();
    assertThat(admits("erin", "team-b", bySelector())).isTrue();
    // Allowed on one pod only: the selector may pick another.
    assertThat(admits("carol", "team-a", bySelector())).isFalse();
    assertThat(admits("erin", "team-a", bySelector())).isFalse();
  }

  @Test
  void theVerbIsCreateAsForWebsocketExecSinceKubernetes135() {
    assertThat(admits("dave", "team-a", byName("demo"))).isFalse();
    assertThat(admits("dave", "team-a", bySelector())).isFalse();
  }

  @Test
  void aRefusalSaysWhoMayNotExecWhere() throws Exception {
    Validation validation = policy.getSpec().getValidations().get(0);
    assertEquals("Forbidden", validation.getReason());
    assertEquals(
        "carol may not create pods/exec on pod other in namespace team-a, which an ExecTask there"
            + " needs: the operator would run the command on their behalf",
        eval(validation.getMessageExpression(), variables("carol", "team-a", byName("other"))));
    assertEquals(
        "mallory may not create pods/exec on every pod in namespace team-a, which an ExecTask"
            + " there needs: the operator would run the command on their behalf",
        eval(validation.getMessageExpression(), variables("mallory", "team-a", bySelector())));
  }

  private List<String> expressions() {
    List<String> all = new java.util.ArrayList<>();
    policy.getSpec().getMatchConditions().stream()
        .map(MatchCondition::getExpression)
        .forEach(all::add);
    for (Validation v : policy.getSpec().getValidations()) {
      all.add(v.getExpression());
      if (v.getMessageExpression() != null) {
        all.add(v.getMessageExpression());
      }
    }
    return all;
  }

  /** True when every matchCondition holds, i.e. the request is judged at all. */
  private boolean matches(Map<String, Object> request) {
    Map<String, Object> vars = new HashMap<>(variables("nobody", "team-a", byName("demo")));
    vars.put("request", request);
    return policy.getSpec().getMatchConditions().stream()
        .allMatch(c -> Boolean.TRUE.equals(uncheckedEval(c.getExpression(), vars)));
  }

  /** True when every validation holds for this requester's create. */
  private boolean admits(String user, String namespace, Map<String, Object> spec) {
    Map<String, Object> vars = variables(user, namespace, spec);
    return policy.getSpec().getValidations().stream()
        .allMatch(v -> Boolean.TRUE.equals(uncheckedEval(v.getExpression(), vars)));
  }

  private static Map<String, Object> variables(
      String user, String namespace, Map<String, Object> spec) {
    Map<String, Object> object =
        Map.of(
            "apiVersion",
            "exectask.dev/v1alpha1",
            "kind",
            "ExecTask",
            "metadata",
            Map.of("name", "task", "namespace", namespace),
            "spec",
            spec);
    return Map.of(
        "object",
        object,
        "request",
        request(user, namespace),
        "authorizer",
        new Authorizer(user, GRANTS));
  }

  private static Map<String, Object> request(String user, String namespace) {
    return Map.of(
        "operation",
        "CREATE",
        "namespace",
        namespace,
        "userInfo",
        Map.of("username", user, "groups", List.of("system:authenticated")));
  }

  private static Map<String, Object> byName(String pod) {
    return Map.of("podName", pod, "command", List.of("true"));
  }

  private static Map<String, Object> bySelector() {
    return Map.of(
        "podSelector", Map.of("matchLabels", Map.of("app", "demo")), "command", List.of("true"));
  }

  private static CelAbstractSyntaxTree compile(String expression) {
    try {
      return CEL.compile(expression).getAst();
    } catch (Exception e) {
      throw new AssertionError("does not compile: " + expression + "\n" + e.getMessage(), e);
    }
  }

  private static Object eval(String expression, Map<String, Object> variables) throws Exception {
    return CEL.createProgram(compile(expression)).eval(variables);
  }

  private static Object uncheckedEval(String expression, Map<String, Object> variables) {
    try {
      return eval(expression, variables);
    } catch (Exception e) {
      throw new AssertionError("cannot evaluate " + expression + ": " + e.getMessage(), e);
    }
  }
}
