package dev.servicemanager.testkit;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Reads an image tar as {@code docker save} and Jib's {@code buildTar} write it (manifest.json, the
 * config JSON, one tar or tar.gz per layer), so that tests can check what a container would run:
 * entrypoint, user, environment, and the files of every layer with their owner and mode.
 */
public final class ImageTar {
  /** One file of a layer. */
  public record Entry(String path, long size, int mode, int uid, int gid, char type, String linkTarget) {}

  private final Map<String, byte[]> members;
  private final Map<String, Object> config;
  private final List<String> layerNames;

  private ImageTar(Map<String, byte[]> members) {
    this.members = members;
    List<?> manifest = (List<?>) json(members.get("manifest.json"));
    Map<?, ?> first = (Map<?, ?>) manifest.get(0);
    @SuppressWarnings("unchecked")
    Map<String, Object> cfg = (Map<String, Object>) json(members.get((String) first.get("Config")));
    this.config = cfg;
    this.layerNames = ((List<?>) first.get("Layers")).stream().map(Object::toString).toList();
  }

  public static ImageTar read(Path tar) {
    try (InputStream in = Files.newInputStream(tar)) {
      Map<String, byte[]> members = new LinkedHashMap<>();
      for (Member m : members(in)) {
        members.put(m.entry.path.startsWith("./") ? m.entry.path.substring(2) : m.entry.path, m.data);
      }
      return new ImageTar(members);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The image configuration's {@code config} object (Entrypoint, Cmd, User, Env, WorkingDir, ExposedPorts, Labels). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> containerConfig() {
    return (Map<String, Object>) config.get("config");
  }

  public Map<String, Object> config() {
    return config;
  }

  @SuppressWarnings("unchecked")
  public List<String> entrypoint() {
    Object e = containerConfig().get("Entrypoint");
    return e == null ? List.of() : (List<String>) e;
  }

  public String user() {
    return (String) containerConfig().get("User");
  }

  /** Env as a map (NAME → value). */
  public Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    Object e = containerConfig().get("Env");
    if (e instanceof List<?> list) {
      for (Object o : list) {
        String s = o.toString();
        int eq = s.indexOf('=');
        env.put(s.substring(0, eq), s.substring(eq + 1));
      }
    }
    return env;
  }

  public int layerCount() {
    return layerNames.size();
  }

  /** The files of layer {@code index} (0 = the base image's first layer). */
  public List<Entry> layer(int index) {
    return layerMembers(index).stream().map(m -> m.entry).toList();
  }

  /** Every layer's files unpacked into {@code dir} (regular files, directories and symlinks; later layers win). */
  public void unpack(Path dir) throws IOException {
    for (int i = 0; i < layerNames.size(); i++) {
      for (Member m : layerMembers(i)) {
        String p = m.entry.path.replaceFirst("^\\./", "").replaceFirst("^/", "");
        if (p.isEmpty() || p.contains("..")) {
          continue;
        }
        Path target = dir.resolve(p);
        switch (m.entry.type) {
          case '5' -> Files.createDirectories(target);
          case '2' -> {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(m.entry.linkTarget));
          }
          case '0', '\0', '7' -> {
            Files.createDirectories(target.getParent());
            Files.write(target, m.data);
            if ((m.entry.mode & 0100) != 0) {
              target.toFile().setExecutable(true, false);
            }
          }
          default -> {}
        }
      }
    }
  }

  private List<Member> layerMembers(int index) {
    byte[] data = members.get(layerNames.get(index));
    if (data == null) {
      throw new IllegalStateException("layer " + layerNames.get(index) + " missing from the tar");
    }
    try (InputStream raw = new java.io.ByteArrayInputStream(data)) {
      boolean gzip = data.length > 2 && (data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b;
      return members(gzip ? new GZIPInputStream(raw) : raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private record Member(Entry entry, byte[] data) {}

  /** A small ustar/GNU/PAX reader: enough for image layers. */
  private static List<Member> members(InputStream in) throws IOException {
    List<Member> out = new ArrayList<>();
    byte[] header = new byte[512];
    String longName = null;
    String paxPath = null;
    String longLink = null;
    while (in.readNBytes(header, 0, 512) == 512) {
      if (isZero(header)) {
        break;
      }
      String name = str(header, 0, 100);
      long size = octal(header, 124, 12);
      char type = (char) header[156];
      String link = str(header, 157, 100);
      String prefix = str(header, 345, 155);
      byte[] data = in.readNBytes((int) size);
      long pad = (512 - size % 512) % 512;
      in.readNBytes((int) pad);
      switch (type) {
        case 'L' -> { longName = new String(data, StandardCharsets.UTF_8).replace("\0", ""); continue; }
        case 'K' -> { longLink = new String(data, StandardCharsets.UTF_8).replace("\0", ""); continue; }
        case 'x' -> { paxPath = pax(data, "path"); String l = pax(data, "linkpath"); if (l != null) { longLink = l; } continue; }
        case 'g' -> { continue; }
        default -> {}
      }
      String path = paxPath != null ? paxPath : longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
      String target = longLink != null ? longLink : link;
      longName = null;
      paxPath = null;
      longLink = null;
      Entry e = new Entry(path, size, (int) octal(header, 100, 8), (int) octal(header, 108, 8), (int) octal(header, 116, 8), type, target);
      out.add(new Member(e, data));
    }
    return out;
  }

  private static String pax(byte[] data, String key) {
    for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
      int sp = line.indexOf(' ');
      int eq = line.indexOf('=');
      if (sp > 0 && eq > sp && line.substring(sp + 1, eq).equals(key)) {
        return line.substring(eq + 1);
      }
    }
    return null;
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static String str(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] b, int off, int len) {
    String s = str(b, off, len).trim();
    return s.isEmpty() ? 0 : Long.parseLong(s, 8);
  }

  private static Object json(byte[] bytes) {
    try {
      return ObjectMapper.getDefault().readValue(bytes, Argument.of(Object.class));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
