package dev.exectask.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/** A command run once in an existing container, killed with its whole process tree on timeout. */
@Group(ExecTask.GROUP)
@Version(ExecTask.VERSION)
@Plural("exectasks")
@Singular("exectask")
@ShortNames("et")
@AdditionalPrinterColumn(name = "Pod", jsonPath = ".status.podName")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase")
@AdditionalPrinterColumn(
    name = "Exit",
    jsonPath = ".status.exitCode",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Duration", jsonPath = ".status.duration")
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ExecTask extends CustomResource<ExecTaskSpec, ExecTaskStatus> implements Namespaced {

  public static final String GROUP = "exectask.dev";
  public static final String VERSION = "v1alpha1";

  /** Held until the command's process tree is confirmed gone, so deleting a task aborts it. */
  public static final String FINALIZER = "exectask.dev/kill-process-tree";

  /**
   * On a task being deleted, {@code "true"} releases the finalizer without a kill: for an admin who
   * knows the processes are gone (or accepts that they are not). Recorded in a KillSkipped Event.
   */
  public static final String SKIP_KILL_ANNOTATION = "exectask.dev/skip-kill";

  @Override
  protected ExecTaskStatus initStatus() {
    return new ExecTaskStatus();
  }
}
