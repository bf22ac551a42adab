package dev.exectask.api.v1alpha1;

/**
 * Condition types of {@code status.conditions}: {@code Complete}/{@code Failed} as on a Job, so
 * {@code kubectl wait --for=condition=Complete} works, and {@code Reconciling}/{@code Stalled} as
 * kstatus and Flux read them.
 */
public final class ConditionTypes {
  public static final String COMPLETE = "Complete";
  public static final String FAILED = "Failed";
  public static final String RECONCILING = "Reconciling";
  public static final String STALLED = "Stalled";

  private ConditionTypes() {}
}
