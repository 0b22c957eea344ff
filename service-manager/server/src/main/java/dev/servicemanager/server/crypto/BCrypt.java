package dev.servicemanager.server.crypto;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.regex.Pattern;

/**
 * Verification of OpenBSD bcrypt hashes ({@code $2a$}, {@code $2b$}, {@code $2y$}): Peripli's agents
 * send {@code password_hash = bcrypt(password)} in {@code PUT /v1/credentials}, and the OSB endpoint
 * checks the password a platform presents against it (reference 2.9). No bcrypt library is available in
 * this build, so this is the algorithm of Provos and Mazieres on top of Blowfish, whose initial
 * P-array and S-boxes are the fractional hex digits of pi, computed once here.
 */
public final class BCrypt {
  private static final Pattern HASH = Pattern.compile("^\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}$");
  private static final String ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  private static final int[] MAGIC = {0x4f727068, 0x65616e42, 0x65686f6c, 0x64657253, 0x63727944, 0x6f756274};
  private static final int[] PI_WORDS = piWords(18 + 1024);

  private BCrypt() {}

  /** Whether the value looks like a bcrypt hash this class can check. */
  public static boolean isHash(String value) {
    return value != null && HASH.matcher(value).matches();
  }

  /** Whether {@code password} matches the bcrypt {@code hash}; false for anything malformed. */
  public static boolean matches(String password, String hash) {
    if (password == null || !isHash(hash)) {
      return false;
    }
    int cost = Integer.parseInt(hash.substring(4, 6));
    byte[] salt = decode(hash.substring(7, 29), 16);
    String computed = hash.substring(0, 7) + encode(salt, 16) + encode(raw(password, salt, cost), 23);
    return MessageDigest.isEqual(
        computed.getBytes(StandardCharsets.US_ASCII), hash.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] raw(String password, byte[] salt, int cost) {
    byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[utf8.length + 1]; // NUL-terminated, as in OpenBSD
    System.arraycopy(utf8, 0, key, 0, utf8.length);
    int[] p = new int[18];
    int[] s = new int[1024];
    System.arraycopy(PI_WORDS, 0, p, 0, 18);
    System.arraycopy(PI_WORDS, 18, s, 0, 1024);
    expand(p, s, key, salt);
    long rounds = 1L << cost;
    for (long i = 0; i < rounds; i++) {
      expand(p, s, key, null);
      expand(p, s, salt, null);
    }
    int[] data = MAGIC.clone();
    for (int i = 0; i < 64; i++) {
      for (int j = 0; j < 3; j++) {
        encipher(p, s, data, j * 2);
      }
    }
    byte[] out = new byte[24];
    for (int i = 0; i < 6; i++) {
      out[4 * i] = (byte) (data[i] >>> 24);
      out[4 * i + 1] = (byte) (data[i] >>> 16);
      out[4 * i + 2] = (byte) (data[i] >>> 8);
      out[4 * i + 3] = (byte) data[i];
    }
    return out;
  }

  /** Blowfish key schedule; with {@code data} it is the "expensive" variant that also mixes in the salt. */
  private static void expand(int[] p, int[] s, byte[] key, byte[] data) {
    int[] keyOffset = {0};
    for (int i = 0; i < p.length; i++) {
      p[i] ^= word(key, keyOffset);
    }
    int[] block = {0, 0};
    int[] dataOffset = {0};
    for (int i = 0; i < p.length; i += 2) {
      mix(block, data, dataOffset);
      encipher(p, s, block, 0);
      p[i] = block[0];
      p[i + 1] = block[1];
    }
    for (int i = 0; i < s.length; i += 2) {
      mix(block, data, dataOffset);
      encipher(p, s, block, 0);
      s[i] = block[0];
      s[i + 1] = block[1];
    }
  }

  private static void mix(int[] block, byte[] data, int[] offset) {
    if (data != null) {
      block[0] ^= word(data, offset);
      block[1] ^= word(data, offset);
    }
  }

  private static int word(byte[] data, int[] offset) {
    int word = 0;
    for (int i = 0; i < 4; i++) {
      word = (word << 8) | (data[offset[0]] & 0xff);
      offset[0] = (offset[0] + 1) % data.length;
    }
    return word;
  }

  private static void encipher(int[] p, int[] s, int[] block, int offset) {
    int l = block[offset] ^ p[0];
    int r = block[offset + 1];
    for (int i = 1; i <= 16; i += 2) {
      r ^= f(s, l) ^ p[i];
      l ^= f(s, r) ^ p[i + 1];
    }
    block[offset] = r ^ p[17];
    block[offset + 1] = l;
  }

  private static int f(int[] s, int x) {
    return ((s[x >>> 24] + s[0x100 | ((x >>> 16) & 0xff)]) ^ s[0x200 | ((x >>> 8) & 0xff)]) + s[0x300 | (x & 0xff)];
  }

  private static String encode(byte[] d, int length) {
    StringBuilder out = new StringBuilder();
    int off = 0;
    while (off < length) {
      int c1 = d[off++] & 0xff;
      out.append(ALPHABET.charAt((c1 >> 2) & 0x3f));
      c1 = (c1 & 0x03) << 4;
      if (off >= length) {
        out.append(ALPHABET.charAt(c1));
        break;
      }
      int c2 = d[off++] & 0xff;
      c1 |= (c2 >> 4) & 0x0f;
      out.append(ALPHABET.charAt(c1));
      c1 = (c2 & 0x0f) << 2;
      if (off >= length) {
        out.append(ALPHABET.charAt(c1));
        break;
      }
      c2 = d[off++] & 0xff;
      c1 |= (c2 >> 6) & 0x03;
      out.append(ALPHABET.charAt(c1));
      out.append(ALPHABET.charAt(c2 & 0x3f));
    }
    return out.toString();
  }

  private static byte[] decode(String text, int length) {
    byte[] out = new byte[length];
    int produced = 0;
    int off = 0;
    while (off < text.length() - 1 && produced < length) {
      int c1 = ALPHABET.indexOf(text.charAt(off++));
      int c2 = ALPHABET.indexOf(text.charAt(off++));
      out[produced++] = (byte) ((c1 << 2) | ((c2 & 0x30) >> 4));
      if (produced >= length || off >= text.length()) {
        break;
      }
      int c3 = ALPHABET.indexOf(text.charAt(off++));
      out[produced++] = (byte) (((c2 & 0x0f) << 4) | ((c3 & 0x3c) >> 2));
      if (produced >= length || off >= text.length()) {
        break;
      }
      int c4 = ALPHABET.indexOf(text.charAt(off++));
      out[produced++] = (byte) (((c3 & 0x03) << 6) | c4);
    }
    return out;
  }

  /** The first {@code count} 32-bit words of pi's fractional part (Machin's formula, fixed point). */
  private static int[] piWords(int count) {
    int bits = count * 32 + 64;
    BigInteger pi = arctanInverse(5, bits).shiftLeft(4).subtract(arctanInverse(239, bits).shiftLeft(2));
    BigInteger fraction = pi.subtract(BigInteger.valueOf(3).shiftLeft(bits));
    int[] words = new int[count];
    for (int i = 0; i < count; i++) {
      words[i] = fraction.shiftRight(bits - 32 * (i + 1)).intValue();
    }
    return words;
  }

  private static BigInteger arctanInverse(int x, int bits) {
    BigInteger xSquared = BigInteger.valueOf((long) x * x);
    BigInteger power = BigInteger.ONE.shiftLeft(bits).divide(BigInteger.valueOf(x));
    BigInteger sum = power;
    for (int k = 1; power.signum() != 0; k++) {
      power = power.divide(xSquared);
      BigInteger term = power.divide(BigInteger.valueOf(2L * k + 1));
      sum = (k % 2 == 1) ? sum.subtract(term) : sum.add(term);
    }
    return sum;
  }
}
