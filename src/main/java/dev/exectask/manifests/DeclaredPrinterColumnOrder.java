package dev.exectask.manifests;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Puts a CRD's printer columns in the order of the {@link AdditionalPrinterColumn} annotations on
 * its class, since kubectl shows them in CRD order and fabric8's generator sorts them by name.
 *
 * <p>Quarkus Operator SDK runs it while building ({@code quarkus.operator-sdk.crd.post-processor});
 * it only ships because the build loads it from the application's classes.
 */
public class DeclaredPrinterColumnOrder implements CRDPostProcessor {

  private static final Map<String, Class<? extends HasMetadata>> RESOURCES_BY_CRD_NAME =
      Map.of(HasMetadata.getFullResourceName(ExecTask.class), ExecTask.class);

  @Override
  public HasMetadata process(HasMetadata crd, String crdSpecVersion) {
    Class<? extends HasMetadata> resource = RESOURCES_BY_CRD_NAME.get(crd.getMetadata().getName());
    if (resource == null || !(crd instanceof CustomResourceDefinition v1)) {
      return crd;
    }
    Comparator<CustomResourceColumnDefinition> declared = declaredOrder(resource);
    for (CustomResourceDefinitionVersion version : v1.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns = version.getAdditionalPrinterColumns();
      if (columns != null) {
        columns.sort(declared);
      }
    }
    return crd;
  }

  /** Declared columns first, in declaration order; any other column after them, as it came. */
  static Comparator<CustomResourceColumnDefinition> declaredOrder(Class<?> resource) {
    List<String> names =
        Arrays.stream(resource.getAnnotationsByType(AdditionalPrinterColumn.class))
            .map(AdditionalPrinterColumn::name)
            .toList();
    Map<String, Integer> positions =
        names.stream()
            .collect(
                Collectors.toMap(Function.identity(), names::indexOf, (first, again) -> first));
    return Comparator.comparingInt(
        column -> positions.getOrDefault(column.getName(), Integer.MAX_VALUE));
  }
}
