package dev.servicemanager.testkit.fuzz;

import io.micronaut.core.type.Argument;
import io.micronaut.serde.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Sends generated requests one at a time and checks each answer: never a 5xx or a dropped
 * connection, a 4xx always carries {@code {"error","description"}}, and a refused request leaves the
 * registry as it was ({@code snapshot} before and after must be equal). Shared by the server's IT and
 * the bench harness.
 */
public final class FuzzRun {
  /** One broken rule, with what is needed to replay it. */
  public record Failure(long seed, int index, String request, String problem) {
    @Override
    public String toString() {
      return "seed " + seed + " request #" + index + ": " + problem + "\n    " + request;
    }
  }

  /** What a run saw: requests sent, answers per status, failures (the first 50 kept). */
  public record Result(int sent, Map<Integer, Integer> statuses, Map<String, Integer> routes, List<Failure> failures, int failureCount, long millis) {}

  // Answers of the server's own refusals. Others may follow a write on purpose: on /v1/osb a broker's
  // 410 to a deprovision removes the record, and a broker's 4xx is passed on after it acted.
  private static final java.util.Set<Integer> REFUSALS = java.util.Set.of(400, 401, 403, 405, 413, 414, 415, 431);

  private FuzzRun() {}

  public static Result run(RawHttp http, HostileRequests generator, long seed, int requests, long deadlineMillis,
      Supplier<String> snapshot) {
    Map<Integer, Integer> statuses = new TreeMap<>();
    Map<String, Integer> routes = new TreeMap<>();
    List<Failure> failures = new ArrayList<>();
    int failureCount = 0;
    long start = System.currentTimeMillis();
    String before = snapshot.get();
    int sent = 0;
    for (int i = 0; i < requests && System.currentTimeMillis() < deadlineMillis; i++) {
      FuzzRequest request = generator.next();
      Optional<String> problem;
      int status;
      try {
        RawHttp.Response response = http.send(request);
        status = response.status();
        problem = check(request, response);
      } catch (IOException e) {
        status = -1;
        problem = Optional.of("no answer: " + e);
      }
      sent++;
      statuses.merge(status, 1, Integer::sum);
      routes.merge(request.route(), 1, Integer::sum);
      String after = snapshot.get();
      if (problem.isEmpty() && REFUSALS.contains(status) && !after.equals(before)) {
        problem = Optional.of("answered " + status + " but the registry changed");
      }
      before = after;
      if (problem.isPresent()) {
        failureCount++;
        if (failures.size() < 50) {
          failures.add(new Failure(seed, i, request.describe(), problem.get()));
        }
      }
    }
    return new Result(sent, statuses, routes, failures, failureCount, System.currentTimeMillis() - start);
  }

  static Optional<String> check(FuzzRequest request, RawHttp.Response response) {
    int status = response.status();
    if (status < 0) {
      return Optional.of("the connection closed without an answer");
    }
    if (status >= 500) {
      return Optional.of("answered " + status + ": " + cut(response.body()));
    }
    if (status >= 400) {
      Map<String, Object> body;
      try {
        body = ObjectMapper.getDefault().readValue(response.body(), Argument.mapOf(String.class, Object.class));
      } catch (IOException | RuntimeException e) {
        return Optional.of("answered " + status + " without a JSON object: " + cut(response.body()));
      }
      // On /v1/osb a broker's own 4xx is passed on unchanged (docs/osb-endpoint.md), and OSB 2.17's
      // error body has both fields optional ({} is a valid 409): only their types are checked there.
      if (request.route().startsWith("osb.")) {
        if (body == null || !optionalString(body, "error") || !optionalString(body, "description")) {
          return Optional.of("answered " + status + " without OSB's error shape: " + cut(response.body()));
        }
      } else if (body == null || !(body.get("error") instanceof String) || !(body.get("description") instanceof String)) {
        return Optional.of("answered " + status + " without {\"error\",\"description\"}: " + cut(response.body()));
      }
    }
    return Optional.empty();
  }

  private static boolean optionalString(Map<String, Object> body, String field) {
    return !body.containsKey(field) || body.get(field) instanceof String;
  }

  private static String cut(String body) {
    return body == null ? "" : body.length() > 300 ? body.substring(0, 300) + "..." : body;
  }
}
