package dev.servicemanager.testkit;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real headless Chromium driven over the Chrome DevTools Protocol (its websocket, with the JDK's
 * java.net.http WebSocket): navigate, evaluate JavaScript in the page, read results, take screenshots.
 * Used by the control plane's and the Cockpit's browser tests; no WebDriver and no browser download.
 */
public final class HeadlessChromium implements AutoCloseable {
  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
  private static final ObjectMapper JSON = ObjectMapper.getDefault();
  private final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** What the page logged and threw (console, uncaught exceptions, browser log), for failure messages. */
  public List<String> log() {
    return List.copyOf(log);
  }

  private static Object read(String text) throws java.io.IOException {
    return JSON.readValue(text, Argument.OBJECT_ARGUMENT);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> readObject(String text) throws java.io.IOException {
    return (Map<String, Object>) JSON.readValue(text, Argument.mapOf(String.class, Object.class));
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The browser binary on the PATH (chromium, chromium-browser, google-chrome), if any. */
  public static Optional<Path> find() {
    String path = System.getenv().getOrDefault("PATH", "");
    return Stream.of(path.split(File.pathSeparator))
        .flatMap(dir -> Stream.of("chromium", "chromium-browser", "google-chrome").map(name -> Path.of(dir, name)))
        .filter(Files::isExecutable)
        .findFirst();
  }

  public HeadlessChromium(Path binary) throws Exception {
    profile = Files.createTempDirectory("test-chromium");
    process = new ProcessBuilder(binary.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0", "--window-size=1280,900", "--user-data-dir=" + profile, "about:blank")
        .redirectErrorStream(true).start();
    String browserWs = null;
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (browserWs == null && System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        break;
      }
      Matcher m = DEVTOOLS.matcher(line);
      if (m.find()) {
        browserWs = m.group(1);
      }
    }
    if (browserWs == null) {
      process.destroyForcibly();
      throw new IllegalStateException("Chromium did not announce its DevTools endpoint");
    }
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // keep the pipe flowing
        }
      } catch (java.io.IOException e) {
        // browser gone
      }
    }, "chromium-output");
    drain.setDaemon(true);
    drain.start();
    // The page target's websocket, from the DevTools HTTP endpoint of the same port.
    URI browser = URI.create(browserWs);
    HttpClient http = HttpClient.newHttpClient();
    String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + browser.getPort() + "/json/list")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> targets = (List<Map<String, Object>>) read(list);
    String pageWs = targets.stream().filter(t -> "page".equals(t.get("type")))
        .map(t -> (String) t.get("webSocketDebuggerUrl")).findFirst().orElseThrow();
    socket = http.newWebSocketBuilder().buildAsync(URI.create(pageWs), new Listener()).get(10, TimeUnit.SECONDS);
    send("Runtime.enable", Map.of());
    send("Log.enable", Map.of());
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder buffer = new StringBuilder();

    @Override
    @SuppressWarnings("unchecked")
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        try {
          Map<String, Object> message = readObject(buffer.toString());
          if (message.get("method") instanceof String event
              && (event.equals("Runtime.exceptionThrown") || event.equals("Runtime.consoleAPICalled") || event.equals("Log.entryAdded"))) {
            log.add(event + " " + message.get("params"));
          }
          if (message.get("id") instanceof Number id) {
            CompletableFuture<Map<String, Object>> f = pending.remove(id.intValue());
            if (f != null) {
              f.complete(message);
            }
          }
        } catch (java.io.IOException e) {
          // not for us
        }
        buffer.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }

  public Map<String, Object> send(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
    pending.put(id, f);
    socket.sendText(write(Map.of("id", id, "method", method, "params", params)), true).get(10, TimeUnit.SECONDS);
    Map<String, Object> response = f.get(20, TimeUnit.SECONDS);
    if (response.containsKey("error")) {
      throw new IllegalStateException(method + ": " + response.get("error"));
    }
    return response;
  }

  public void navigate(String url) throws Exception {
    send("Page.navigate", Map.of("url", url));
  }

  /** Evaluates an expression in the page and returns its value (awaiting promises). */
  @SuppressWarnings("unchecked")
  public Object evaluate(String expression) throws Exception {
    Map<String, Object> r = send("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
        "awaitPromise", true));
    Map<String, Object> result = (Map<String, Object>) r.get("result");
    if (result.containsKey("exceptionDetails")) {
      throw new IllegalStateException("page threw: " + result.get("exceptionDetails"));
    }
    return ((Map<String, Object>) result.get("result")).get("value");
  }

  /** A PNG of the whole page (the viewport is stretched to the document's height for the shot). */
  @SuppressWarnings("unchecked")
  public byte[] screenshot() throws Exception {
    Number height = (Number) evaluate("Math.max(document.documentElement.scrollHeight, 600)");
    send("Emulation.setDeviceMetricsOverride", Map.of("width", 1280, "height", Math.min(height.intValue(), 4000),
        "deviceScaleFactor", 1, "mobile", false));
    try {
      Map<String, Object> r = send("Page.captureScreenshot", Map.of("format", "png"));
      return java.util.Base64.getDecoder().decode((String) ((Map<String, Object>) r.get("result")).get("data"));
    } finally {
      send("Emulation.clearDeviceMetricsOverride", Map.of());
    }
  }

  @Override
  public void close() throws Exception {
    try {
      socket.abort();
    } finally {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      deleteProfile();
    }
  }

  // Chromium's helper processes can still be writing the profile when the main process has exited:
  // files vanish while the tree is walked. Retry for a moment; a leftover temp directory is not a
  // test failure.
  private void deleteProfile() throws InterruptedException {
    for (int attempt = 0; attempt < 10 && Files.exists(profile); attempt++) {
      try (Stream<Path> files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (java.io.IOException | java.io.UncheckedIOException e) {
        Thread.sleep(200);
      }
    }
  }
}
