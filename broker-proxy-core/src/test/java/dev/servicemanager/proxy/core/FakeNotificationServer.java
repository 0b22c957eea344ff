package dev.servicemanager.proxy.core;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A tiny RFC 6455 server on 127.0.0.1 standing in for SM's {@code /v1/notifications}: each handshake is
 * recorded and answered by a script, either with a plain HTTP status (404, 410) or by upgrading and
 * sending text frames, then optionally closing.
 */
final class FakeNotificationServer implements AutoCloseable {
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  /** What to do with one handshake. */
  record Answer(int status, List<String> messages, boolean closeAfter) {
    static Answer status(int status) {
      return new Answer(status, List.of(), true);
    }

    static Answer upgrade(boolean closeAfter, String... messages) {
      return new Answer(101, List.of(messages), closeAfter);
    }
  }

  /** A recorded handshake. */
  record Handshake(String requestLine, Map<String, String> headers) {}

  private final ServerSocket server;
  private final Function<Integer, Answer> script;
  final List<Handshake> handshakes = new CopyOnWriteArrayList<>();
  final AtomicInteger pings = new AtomicInteger();
  private final BlockingQueue<Socket> open = new LinkedBlockingQueue<>();

  /** {@code script} gets the 0-based number of the connection. */
  FakeNotificationServer(Function<Integer, Answer> script) throws IOException {
    this.script = script;
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    Thread t = new Thread(this::accept, "fake-notifications");
    t.setDaemon(true);
    t.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        Thread t = new Thread(() -> serve(socket), "fake-notifications-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1));
      String requestLine = reader.readLine();
      Map<String, String> headers = new LinkedHashMap<>();
      String line;
      while ((line = reader.readLine()) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        headers.put(line.substring(0, colon).trim().toLowerCase(), line.substring(colon + 1).trim());
      }
      int n = handshakes.size();
      handshakes.add(new Handshake(requestLine, headers));
      Answer answer = script.apply(n);
      if (answer.status() != 101) {
        out.write(("HTTP/1.1 " + answer.status() + " Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        socket.close();
        return;
      }
      String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1")
          .digest((headers.get("sec-websocket-key") + GUID).getBytes(StandardCharsets.ISO_8859_1)));
      out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Accept: " + accept + "\r\nmax_ping_period: 2s\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      for (String message : answer.messages()) {
        frame(out, 0x1, message.getBytes(StandardCharsets.UTF_8));
      }
      out.flush();
      if (answer.closeAfter()) {
        frame(out, 0x8, new byte[] {0x03, (byte) 0xE9}); // 1001 going away
        out.flush();
        Thread.sleep(50);
        socket.close();
        return;
      }
      open.add(socket);
      readFrames(in);
    } catch (IOException | NoSuchAlgorithmException | InterruptedException e) {
      // connection over
    }
  }

  /** Counts ping frames from the client (client frames are masked). */
  private void readFrames(InputStream in) throws IOException {
    while (true) {
      int b0 = in.read();
      int b1 = in.read();
      if (b0 < 0 || b1 < 0) {
        return;
      }
      long len = b1 & 0x7F;
      if (len == 126) {
        len = (in.read() << 8) | in.read();
      } else if (len == 127) {
        len = 0;
        for (int i = 0; i < 8; i++) {
          len = (len << 8) | in.read();
        }
      }
      in.readNBytes(4 + (int) len);
      if ((b0 & 0x0F) == 0x9) {
        pings.incrementAndGet();
      }
    }
  }

  private static void frame(OutputStream out, int opcode, byte[] payload) throws IOException {
    out.write(0x80 | opcode);
    if (payload.length < 126) {
      out.write(payload.length);
    } else {
      out.write(126);
      out.write(payload.length >> 8);
      out.write(payload.length & 0xFF);
    }
    out.write(payload);
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : open) {
      s.close();
    }
  }
}
