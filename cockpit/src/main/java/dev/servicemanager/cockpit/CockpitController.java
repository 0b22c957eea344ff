package dev.servicemanager.cockpit;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The console's static files from this jar ({@code /cockpit-ui/}): HTML, ES modules and CSS, no
 * build step. They hold no data; every API call the page makes carries the user's bearer token. The
 * page talks only to the public APIs of the same origin, so no CORS is involved.
 */
@Controller("/cockpit")
@Requires(property = "cockpit.enabled", notEquals = "false")
final class CockpitController {
  static final String FILE_PATTERN = "[a-z][a-z0-9-]*\\.[a-z]+";
  private static final Map<String, MediaType> TYPES = Map.of(
      "html", MediaType.TEXT_HTML_TYPE,
      "js", new MediaType("text/javascript"),
      "css", new MediaType("text/css"),
      "svg", new MediaType("image/svg+xml"));
  // Only same-origin scripts, styles and requests: the page works offline and loads nothing foreign.
  private static final String CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
      + " frame-ancestors 'self'; form-action 'none'";

  // Serves both /cockpit and /cockpit/ (the router ignores a trailing slash).
  @Get
  HttpResponse<byte[]> index() {
    return file("index.html");
  }

  @Get("/{file:" + FILE_PATTERN + "}")
  HttpResponse<byte[]> file(String file) {
    String ext = file.substring(file.lastIndexOf('.') + 1);
    MediaType type = TYPES.get(ext);
    if (type == null) {
      return HttpResponse.notFound();
    }
    try (InputStream in = CockpitController.class.getResourceAsStream("/cockpit-ui/" + file)) {
      if (in == null) {
        return HttpResponse.notFound();
      }
      MutableHttpResponse<byte[]> response = HttpResponse.ok(in.readAllBytes()).contentType(type)
          .header("Cache-Control", "no-cache")
          .header("X-Content-Type-Options", "nosniff");
      if (ext.equals("html")) {
        response.header("Content-Security-Policy", CSP).header("Referrer-Policy", "no-referrer");
      }
      return response;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
