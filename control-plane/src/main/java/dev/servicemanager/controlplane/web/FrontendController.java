package dev.servicemanager.controlplane.web;

import dev.servicemanager.controlplane.state.Json;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.sse.Event;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * The page (static HTML + vanilla JS from the jar, no build step) and its live updates: one
 * server-sent event {@code runtime} per stored change, with the runtime's full view as data, and a
 * comment every 15 s so proxies keep the stream open.
 */
@Controller("/control-plane")
@Requires(property = "control-plane.enabled", notEquals = "false")
final class FrontendController {
  private static final Map<String, MediaType> FILES = Map.of(
      "index.html", MediaType.TEXT_HTML_TYPE,
      "app.js", new MediaType("text/javascript"),
      "app.css", new MediaType("text/css"));

  private final Events events;

  FrontendController(Events events) {
    this.events = events;
  }

  // Serves both /control-plane and /control-plane/ (the router ignores a trailing slash).
  @Get
  HttpResponse<byte[]> index() {
    return file("index.html");
  }

  @Get("/{file:index\\.html|app\\.js|app\\.css}")
  HttpResponse<byte[]> file(String file) {
    MediaType type = FILES.get(file);
    try (InputStream in = FrontendController.class.getResourceAsStream("/control-plane-ui/" + file)) {
      if (type == null || in == null) {
        return HttpResponse.notFound();
      }
      return HttpResponse.ok(in.readAllBytes()).contentType(type).header("Cache-Control", "no-cache");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Get(uri = "/events", produces = MediaType.TEXT_EVENT_STREAM)
  Publisher<Event<String>> events() {
    Flux<Event<String>> changes = events.stream().map(view -> Event.of(Json.write(view)).name("runtime"));
    Flux<Event<String>> keepAlive = Flux.interval(Duration.ofSeconds(15)).map(i -> Event.of("").comment("keep-alive"));
    return Flux.merge(Flux.just(Event.of("{}").name("hello")), changes, keepAlive);
  }
}
