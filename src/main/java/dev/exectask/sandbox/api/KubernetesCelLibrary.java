package dev.exectask.sandbox.api;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationExceptionBuilder;
import dev.cel.runtime.CelFunctionBinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The functions of Kubernetes' own CEL list and regex libraries ({@code k8s.io/apiserver/pkg/cel/
 * library}) that cel-java's extensions do not have: {@code isSorted}, {@code sum}, {@code min},
 * {@code max}, {@code indexOf} and {@code lastIndexOf} on lists, {@code find} and {@code findAll}
 * on strings.
 */
final class KubernetesCelLibrary {

  private static final ListType LIST = ListType.create(SimpleType.DYN);

  private KubernetesCelLibrary() {}

  static List<CelFunctionDecl> declarations() {
    return List.of(
        CelFunctionDecl.newFunctionDeclaration(
            "isSorted",
            CelOverloadDecl.newMemberOverload("k8s_list_is_sorted", SimpleType.BOOL, LIST)),
        CelFunctionDecl.newFunctionDeclaration(
            "sum", CelOverloadDecl.newMemberOverload("k8s_list_sum", SimpleType.DYN, LIST)),
        CelFunctionDecl.newFunctionDeclaration(
            "min", CelOverloadDecl.newMemberOverload("k8s_list_min", SimpleType.DYN, LIST)),
        CelFunctionDecl.newFunctionDeclaration(
            "max", CelOverloadDecl.newMemberOverload("k8s_list_max", SimpleType.DYN, LIST)),
        CelFunctionDecl.newFunctionDeclaration(
            "indexOf",
            CelOverloadDecl.newMemberOverload(
                "k8s_list_index_of", SimpleType.INT, LIST, SimpleType.DYN)),
        CelFunctionDecl.newFunctionDeclaration(
            "lastIndexOf",
            CelOverloadDecl.newMemberOverload(
                "k8s_list_last_index_of", SimpleType.INT, LIST, SimpleType.DYN)),
        CelFunctionDecl.newFunctionDeclaration(
            "find",
            CelOverloadDecl.newMemberOverload(
                "k8s_string_find", SimpleType.STRING, SimpleType.STRING, SimpleType.STRING)),
        CelFunctionDecl.newFunctionDeclaration(
            "findAll",
            CelOverloadDecl.newMemberOverload(
                "k8s_string_find_all",
                ListType.create(SimpleType.STRING),
                SimpleType.STRING,
                SimpleType.STRING),
            CelOverloadDecl.newMemberOverload(
                "k8s_string_find_all_n",
                ListType.create(SimpleType.STRING),
                SimpleType.STRING,
                SimpleType.STRING,
                SimpleType.INT)));
  }

  static List<CelFunctionBinding> bindings() {
    return List.of(
        CelFunctionBinding.from("k8s_list_is_sorted", List.class, KubernetesCelLibrary::isSorted),
        CelFunctionBinding.from("k8s_list_sum", List.class, KubernetesCelLibrary::sum),
        CelFunctionBinding.from("k8s_list_min", List.class, l -> extreme(l, -1)),
        CelFunctionBinding.from("k8s_list_max", List.class, l -> extreme(l, 1)),
        CelFunctionBinding.from(
            "k8s_list_index_of", List.class, Object.class, (l, x) -> (long) l.indexOf(x)),
        CelFunctionBinding.from(
            "k8s_list_last_index_of", List.class, Object.class, (l, x) -> (long) l.lastIndexOf(x)),
        CelFunctionBinding.from(
            "k8s_string_find",
            String.class,
            String.class,
            (s, regex) -> {
              Matcher matcher = Pattern.compile(regex).matcher(s);
              return matcher.find() ? matcher.group() : "";
            }),
        CelFunctionBinding.from(
            "k8s_string_find_all", String.class, String.class, (s, regex) -> findAll(s, regex, -1)),
        CelFunctionBinding.from(
            "k8s_string_find_all_n",
            List.of(String.class, String.class, Long.class),
            args -> findAll((String) args[0], (String) args[1], (Long) args[2])));
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static boolean isSorted(List list) {
    for (int i = 1; i < list.size(); i++) {
      if (((Comparable) list.get(i - 1)).compareTo(list.get(i)) > 0) {
        return false;
      }
    }
    return true;
  }

  private static Object sum(List<?> list) {
    if (list.stream().allMatch(Long.class::isInstance)) {
      long sum = 0;
      for (Object item : list) {
        sum = Math.addExact(sum, (Long) item);
      }
      return sum;
    }
    double sum = 0;
    for (Object item : list) {
      sum += ((Number) item).doubleValue();
    }
    return sum;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object extreme(List list, int sign) throws CelEvaluationException {
    if (list.isEmpty()) {
      throw CelEvaluationExceptionBuilder.newBuilder(
              (sign < 0 ? "min" : "max") + " called on an empty list")
          .build();
    }
    Comparable best = (Comparable) list.get(0);
    for (Object item : list) {
      if (Integer.signum(((Comparable) item).compareTo(best)) == sign) {
        best = (Comparable) item;
      }
    }
    return Objects.requireNonNull(best);
  }

  private static List<String> findAll(String s, String regex, long limit) {
    List<String> found = new ArrayList<>();
    Matcher matcher = Pattern.compile(regex).matcher(s);
    while ((limit < 0 || found.size() < limit) && matcher.find()) {
      found.add(matcher.group());
    }
    return found;
  }
}
