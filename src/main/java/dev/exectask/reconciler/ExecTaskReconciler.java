package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;

@ControllerConfiguration(name = "exectask", finalizerName = ExecTask.FINALIZER)
public class ExecTaskReconciler implements Reconciler<ExecTask>, Cleaner<ExecTask> {

  @Override
  public UpdateControl<ExecTask> reconcile(ExecTask task, Context<ExecTask> context) {
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(ExecTask task, Context<ExecTask> context) {
    return DeleteControl.defaultDelete();
  }
}
