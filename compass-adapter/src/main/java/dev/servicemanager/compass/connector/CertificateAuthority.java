package dev.servicemanager.compass.connector;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Connector's own certificate authority. Its key and certificate are generated once and kept in
 * {@code compass_ca}; the private key is AES-256-GCM encrypted with {@code compass.encryption-key}
 * (or else {@code sm.encryption-key}) when one is configured, and it never leaves this class.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class CertificateAuthority {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  static final String ORGANIZATION = "ServiceManager";
  private final byte[] encryptionKey;
  private final Duration validity;
  private final Db db;
  private volatile Loaded loaded;

  private record Loaded(X509Certificate certificate, PrivateKey key) {}

  /** A signed client certificate and the CA certificate, as PEM text. */
  public record Signed(String clientCertificatePem, String caCertificatePem) {}

  CertificateAuthority(
      Db db,
      @Value("${compass.encryption-key:}") String compassKey,
      @Value("${sm.encryption-key:}") String smKey,
      @Value("${compass.connector.certificate-validity:90d}") Duration validity) {
    String key = !compassKey.isBlank() ? compassKey : smKey;
    this.encryptionKey = key.isBlank() ? null : Base64.getDecoder().decode(key.trim());
    if (encryptionKey != null && encryptionKey.length != 32) {
      throw new IllegalStateException("the encryption key must be the base64 of 32 bytes");
    }
    this.validity = validity;
    this.db = db;
  }

  /**
   * The subject a client's request must carry, most significant part first in the encoding (O, OU,
   * CN) as X.509 tools expect; {@link #rfc2253(X500Name)} shows it as {@code
   * CN=id,OU=tenant,O=ServiceManager}.
   */
  public static X500Name subject(String objectId, String tenant) {
    return new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, ORGANIZATION)
        .addRDN(BCStyle.OU, tenant)
        .addRDN(BCStyle.CN, objectId)
        .build();
  }

  /** The RFC 2253 text of a name (least significant part first), as Java, Go and OpenSSL read it. */
  public static String rfc2253(X500Name name) {
    try {
      return new javax.security.auth.x500.X500Principal(name.getEncoded()).getName(javax.security.auth.x500.X500Principal.RFC2253);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Checks the request (its signature, key and subject) and signs it. */
  public Signed sign(String csrBase64, X500Name expectedSubject) {
    PKCS10CertificationRequest csr = parse(csrBase64);
    try {
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
        throw invalidCsr("its signature does not verify");
      }
    } catch (org.bouncycastle.operator.OperatorCreationException | org.bouncycastle.pkcs.PKCSException e) {
      throw invalidCsr("its signature cannot be checked");
    }
    if (!expectedSubject.equals(csr.getSubject())) {
      throw invalidCsr("its subject must be '" + rfc2253(expectedSubject) + "'");
    }
    PublicKey publicKey;
    try {
      publicKey = new JcaPKCS10CertificationRequest(csr).getPublicKey();
    } catch (GeneralSecurityException e) {
      throw invalidCsr("its public key cannot be read");
    }
    if (!(publicKey instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048)
        && !(publicKey instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() >= 256)) {
      throw invalidCsr("its key must be RSA of at least 2048 bits or EC of at least 256 bits");
    }
    Loaded ca = load();
    Instant now = Instant.now();
    Instant notAfter = now.plus(validity);
    if (notAfter.isAfter(ca.certificate().getNotAfter().toInstant())) {
      notAfter = ca.certificate().getNotAfter().toInstant();
    }
    try {
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(ca.certificate(), new BigInteger(127, RANDOM).add(BigInteger.ONE),
                  Date.from(now.minusSeconds(60)), Date.from(notAfter), csr.getSubject(), publicKey)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
              .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
              .addExtension(Extension.authorityKeyIdentifier, false,
                  extensions.createAuthorityKeyIdentifier(ca.certificate()));
      X509Certificate client =
          new JcaX509CertificateConverter().getCertificate(builder.build(signer(ca.key())));
      return new Signed(pem(client), pem(ca.certificate()));
    } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("could not sign the certificate", e);
    }
  }

  /** The CA certificate as PEM. */
  public String certificatePem() {
    return pem(load().certificate());
  }

  private static CompassException invalidCsr(String why) {
    return new CompassException("invalid certificate signing request: " + why);
  }

  private static PKCS10CertificationRequest parse(String csrBase64) {
    byte[] decoded;
    try {
      decoded = Base64.getMimeDecoder().decode(csrBase64.trim());
    } catch (IllegalArgumentException e) {
      throw invalidCsr("csr must be the base64 of a PEM certificate signing request");
    }
    String text = new String(decoded, StandardCharsets.US_ASCII);
    try {
      if (text.contains("-----BEGIN")) {
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
          if (parser.readObject() instanceof PKCS10CertificationRequest csr) {
            return csr;
          }
        }
        throw invalidCsr("the PEM does not hold a certificate signing request");
      }
      return new PKCS10CertificationRequest(decoded);
    } catch (IOException | RuntimeException e) {
      if (e instanceof CompassException c) {
        throw c;
      }
      throw invalidCsr("it cannot be parsed");
    }
  }

  // In a transaction of its own: a CA must be stored before anything it signs is handed out, even
  // when the caller's transaction later rolls back.
  private Loaded load() {
    Loaded current = loaded;
    if (current != null) {
      return current;
    }
    current = db.writeSeparately(this::loadOrGenerate);
    loaded = current;
    return current;
  }

  private Loaded loadOrGenerate(Db.Tx tx) throws SQLException {
    Loaded current;
    record Row(String certificate, String key, boolean encrypted) {}
    String select = "SELECT certificate_pem, private_key, key_encrypted FROM compass_ca WHERE id = 1";
    var row = tx.queryOne(select, List.of(), rs -> new Row(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
    if (row.isEmpty()) {
      generate(tx);
      // Another replica may have inserted first; everyone uses the row that won.
      row = tx.queryOne(select, List.of(), rs -> new Row(rs.getString(1), rs.getString(2), rs.getBoolean(3)));
    }
    Row r = row.orElseThrow();
    try {
      X509Certificate certificate;
      try (PEMParser parser = new PEMParser(new StringReader(r.certificate()))) {
        certificate = new JcaX509CertificateConverter()
            .getCertificate((org.bouncycastle.cert.X509CertificateHolder) parser.readObject());
      }
      byte[] der = r.encrypted() ? decrypt(r.key()) : Base64.getDecoder().decode(r.key());
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      current = new Loaded(certificate, key);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("the stored Connector CA cannot be read", e);
    }
    return current;
  }

  private void generate(Db.Tx tx) throws SQLException {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072, RANDOM);
      KeyPair pair = generator.generateKeyPair();
      X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, ORGANIZATION)
          .addRDN(BCStyle.CN, "Service Manager Compass Connector CA")
          .build();
      Instant now = Instant.now();
      JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(name, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                  Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(3650))), name, pair.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(Extension.subjectKeyIdentifier, false,
                  extensions.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate certificate =
          new JcaX509CertificateConverter().getCertificate(builder.build(signer(pair.getPrivate())));
      byte[] der = pair.getPrivate().getEncoded();
      boolean encrypt = encryptionKey != null;
      if (!encrypt) {
        LOG.warn("No compass.encryption-key or sm.encryption-key is configured: the Connector CA's private key is"
            + " stored unencrypted in compass_ca");
      }
      tx.update(
          "INSERT INTO compass_ca (id, certificate_pem, private_key, key_encrypted, created_at) VALUES (1, ?, ?, ?, ?)"
              + " ON CONFLICT (id) DO NOTHING",
          pem(certificate), encrypt ? encrypt(der) : Base64.getEncoder().encodeToString(der), encrypt, now);
    } catch (GeneralSecurityException | IOException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException("could not create the Connector CA", e);
    }
  }

  private static ContentSigner signer(PrivateKey key) throws org.bouncycastle.operator.OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withRSA").build(key);
  }

  private String encrypt(byte[] plain) throws GeneralSecurityException {
    byte[] iv = new byte[12];
    RANDOM.nextBytes(iv);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(encryptionKey, "AES"), new GCMParameterSpec(128, iv));
    byte[] sealed = cipher.doFinal(plain);
    return Base64.getEncoder().encodeToString(ByteBuffer.allocate(iv.length + sealed.length).put(iv).put(sealed).array());
  }

  private byte[] decrypt(String stored) throws GeneralSecurityException {
    if (encryptionKey == null) {
      throw new IllegalStateException("the Connector CA key is encrypted but no encryption key is configured");
    }
    byte[] all = Base64.getDecoder().decode(stored);
    Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(encryptionKey, "AES"), new GCMParameterSpec(128, all, 0, 12));
    return cipher.doFinal(all, 12, all.length - 12);
  }

  static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
