package dev.exectask.sandbox.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sandbox's CA and server certificate, as a TLS client checks them. */
class SandboxCertificatesTest {

  private final SandboxCertificates certificates = SandboxCertificates.generate();

  @Test
  void theServerCertificateIsSignedByACaForLoopbackByIpAndName() throws Exception {
    List<X509Certificate> chain = parse(certificates.serverChainPem());
    X509Certificate server = chain.get(0);
    X509Certificate authority = certificates.authority();

    assertThat(chain).hasSize(2).element(1).isEqualTo(authority);
    assertThat(authority.getBasicConstraints()).as("CA:true").isGreaterThanOrEqualTo(0);
    assertThat(server.getBasicConstraints()).as("CA:false").isEqualTo(-1);
    server.verify(authority.getPublicKey());
    server.checkValidity();
    assertThat(server.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(List.of(7, "127.0.0.1"), List.of(2, "localhost"));
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
  }

  @Test
  void theKubeconfigDataIsTheCaInBase64Pem() throws Exception {
    String pem =
        new String(
            Base64.getDecoder().decode(certificates.authorityData()), StandardCharsets.US_ASCII);

    assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(parse(pem)).containsExactly(certificates.authority());
    assertThat(certificates.serverKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----\n");
  }

  @Test
  void everyStartMakesItsOwnCa() {
    assertThat(SandboxCertificates.generate().authority().getPublicKey())
        .isNotEqualTo(certificates.authority().getPublicKey());
  }

  private static List<X509Certificate> parse(String pem) throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
        .stream()
        .map(X509Certificate.class::cast)
        .toList();
  }
}
