package dev.exectask.exec;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which refused exec upgrades are tried again at once, and which are reported. */
class ExecUpgradeRetryTest {

  @Test
  void tooManyRequestsAndUnavailableAreTriedAgain() {
    assertThat(ExecConnector.retryable(refused(429))).isTrue();
    assertThat(ExecConnector.retryable(refused(503))).isTrue();
  }

  @Test
  void anUnreachableKubeletOrAForbiddenExecIsReportedAtOnce() {
    assertThat(ExecConnector.retryable(refused(500))).isFalse();
    assertThat(ExecConnector.retryable(refused(403))).isFalse();
    assertThat(ExecConnector.retryable(refused(404))).isFalse();
  }

  @Test
  void aRefusedConnectionIsTriedAgainOtherIoFailuresAreNot() {
    assertThat(
            ExecConnector.retryable(
                new CompletionException(new ConnectException("Connection refused"))))
        .isTrue();
    assertThat(ExecConnector.retryable(new IOException("connection reset"))).isFalse();
  }

  private static KubernetesClientException refused(int code) {
    return new KubernetesClientException("refused", code, null);
  }
}
