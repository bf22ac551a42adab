package dev.exectask.config;

import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurationServiceCustomizer;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.function.Consumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Leader election on a Lease, switched at run time by {@code exectask.leader-election.enabled} (the
 * extension's own switch is fixed at build time), so that two operator replicas (a rolling update,
 * a second replica for availability) never both start or kill the same task's processes.
 */
@Singleton
public class LeaderElection implements ConfigurationServiceCustomizer {

  static final String LEASE_NAME = "exectask-operator-leader";

  @ConfigProperty(name = "exectask.leader-election.enabled", defaultValue = "true")
  boolean enabled;

  /** Defaults to the namespace of the operator's ServiceAccount (or the kubeconfig's). */
  @ConfigProperty(name = "exectask.leader-election.namespace")
  Optional<String> namespace;

  @Override
  public Consumer<ConfigurationServiceOverrider> overrider() {
    if (!enabled) {
      return o -> {};
    }
    LeaderElectionConfigurationBuilder lease =
        LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(LEASE_NAME);
    namespace.ifPresent(lease::withLeaseNamespace);
    LeaderElectionConfiguration configuration = lease.build();
    return o -> o.withLeaderElectionConfiguration(configuration);
  }
}
