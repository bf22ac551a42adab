package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class DeclaredPrinterColumnOrderTest {

  @Test
  void ordersTheColumnsAsDeclaredOnTheClassAndKeepsOthersAfterThemInTheirOrder() {
    CustomResourceDefinition crd =
        crdWithColumns(
            "exectasks.exectask.dev", "Age", "Duration", "Zeta", "Exit", "Alpha", "Phase", "Pod");

    new DeclaredPrinterColumnOrder().process(crd, "v1");

    assertEquals(
        List.of("Pod", "Phase", "Exit", "Duration", "Age", "Zeta", "Alpha"), columnNames(crd));
  }

  @Test
  void leavesOtherResourcesAlone() {
    CustomResourceDefinition crd = crdWithColumns("others.example.com", "Age", "Pod");

    new DeclaredPrinterColumnOrder().process(crd, "v1");

    assertEquals(List.of("Age", "Pod"), columnNames(crd));
  }

  @Test
  void readsTheOrderFromTheAnnotations() {
    List<CustomResourceColumnDefinition> columns =
        new ArrayList<>(
            Stream.of("Age", "Pod", "Exit").map(DeclaredPrinterColumnOrderTest::column).toList());
    columns.sort(DeclaredPrinterColumnOrder.declaredOrder(ExecTask.class));
    assertEquals(
        List.of("Pod", "Exit", "Age"),
        columns.stream().map(CustomResourceColumnDefinition::getName).toList());
  }

  private static CustomResourceDefinition crdWithColumns(String name, String... columns) {
    return new CustomResourceDefinitionBuilder()
        .withNewMetadata()
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .addNewVersion()
        .withName("v1alpha1")
        .withAdditionalPrinterColumns(
            new ArrayList<>(
                Stream.of(columns).map(DeclaredPrinterColumnOrderTest::column).toList()))
        .endVersion()
        .endSpec()
        .build();
  }

  private static CustomResourceColumnDefinition column(String name) {
    return new CustomResourceColumnDefinitionBuilder().withName(name).withJsonPath(".x").build();
  }

  private static List<String> columnNames(CustomResourceDefinition crd) {
    return crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns().stream()
        .map(CustomResourceColumnDefinition::getName)
        .toList();
  }
}
