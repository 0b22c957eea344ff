package dev.servicemanager.testkit.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one connection per request ({@code Connection: close}): the JDK
 * client refuses the malformed targets the fuzz must send, such as {@code %zz} or raw bytes.
 */
public final class RawHttp {
  /** Status and body; status -1 when the server closed the connection without answering. */
  public record Response(int status, String contentType, String body) {}

  private final String host;
  private final int port;

  public RawHttp(String host, int port) {
    this.host = host;
    this.port = port;
  }

  public Response send(FuzzRequest request) throws IOException {
    try (Socket socket = new Socket(host, port)) {
      socket.setSoTimeout(30_000);
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write((request.method() + " ").getBytes(StandardCharsets.US_ASCII));
      head.write(request.target().getBytes(StandardCharsets.ISO_8859_1));
      StringBuilder headers = new StringBuilder(" HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nConnection: close\r\n");
      request.headers().forEach((k, v) -> headers.append(k).append(": ").append(v).append("\r\n"));
      byte[] body = request.body() == null ? new byte[0] : request.body();
      if (request.body() != null) {
        headers.append("Content-Length: ").append(body.length).append("\r\n");
      }
      head.write(headers.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      OutputStream out = socket.getOutputStream();
      out.write(head.toByteArray());
      try {
        out.write(body);
        out.flush();
      } catch (IOException serverStoppedReading) {
        // e.g. 413 answered before the whole body was sent: the answer is still to be read
      }
      return parse(readAll(socket.getInputStream()));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) > 0; ) {
        all.write(buffer, 0, n);
      }
    } catch (java.net.SocketException resetAfterAnswer) {
      // a reset after the answer (unread request body): keep what arrived
    }
    return all.toByteArray();
  }

  private static Response parse(byte[] raw) {
    String text = new String(raw, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || end < 0) {
      return new Response(-1, null, text);
    }
    int status = Integer.parseInt(text.substring(9, 12));
    String contentType = null;
    boolean chunked = false;
    for (String line : text.substring(0, end).split("\r\n")) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-type:")) {
        contentType = line.substring(13).trim();
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    String body = text.substring(end + 4);
    return new Response(status, contentType, chunked ? dechunk(body) : body);
  }

  private static String dechunk(String body) {
    StringBuilder out = new StringBuilder();
    int at = 0;
    while (at < body.length()) {
      int eol = body.indexOf("\r\n", at);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(body.substring(at, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      // sizes count bytes, but error bodies are ASCII JSON; good enough for the check
      out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    return out.toString();
  }
}
