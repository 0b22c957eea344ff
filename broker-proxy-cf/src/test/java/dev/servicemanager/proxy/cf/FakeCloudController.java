package dev.servicemanager.proxy.cf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.servicemanager.proxy.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A Cloud Controller v3 and UAA on 127.0.0.1 that follows reference 4.3: the root document links the
 * UAA; brokers are created, updated and deleted by jobs (202 + absolute {@code Location}) that finish
 * after {@link #jobPolls(int)} polls and fetch the broker's catalog from its URL like a real CC, so an
 * update refreshes offerings and plans; lists are paged with absolute {@code next.href}; bad input gets
 * {@code {errors:[{code,title,detail}]}}.
 */
final class FakeCloudController implements AutoCloseable {
  static final String CLIENT_ID = "sm-proxy";
  static final String CLIENT_SECRET = "proxy-secret";

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(16, r -> {
    Thread t = new Thread(r, "fake-cc");
    t.setDaemon(true);
    return t;
  });
  private final String base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private final AtomicInteger totalJobPolls = new AtomicInteger();
  private final List<String> log = new CopyOnWriteArrayList<>();
  private volatile int jobPolls = 2;
  private volatile Predicate<String> rejectedBrokerNames = name -> false;

  private final Map<String, Broker> brokers = new LinkedHashMap<>();
  private final Map<String, Offering> offerings = new LinkedHashMap<>();
  private final Map<String, Plan> plans = new LinkedHashMap<>();
  private final Map<String, String> orgs = new LinkedHashMap<>();
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();

  static final class Broker {
    final String guid = UUID.randomUUID().toString();
    String name;
    String url;
    String username;
    String password;
    String spaceGuid;
    /** Service instances of this broker's plans, created in CF by its users (not modelled further). */
    int instances;
  }

  record Offering(String guid, String name, String catalogId, String brokerGuid) {}

  static final class Plan {
    final String guid = UUID.randomUUID().toString();
    String name;
    final String catalogId;
    final String offeringGuid;
    String visibilityType = "admin";
    final Set<String> orgs = new LinkedHashSet<>();

    Plan(String name, String catalogId, String offeringGuid) {
      this.name = name;
      this.catalogId = catalogId;
      this.offeringGuid = offeringGuid;
    }
  }

  /** What a test sees of a plan. */
  record PlanView(String guid, String name, String catalogId, String visibilityType, Set<String> orgs) {}

  /** What a test sees of a broker. */
  record BrokerView(String guid, String name, String url) {}

  private interface JobAction {
    /** Returns null on success, or the error detail. */
    String run();
  }

  private static final class Job {
    final String guid = UUID.randomUUID().toString();
    final JobAction action;
    int polls;
    String state = "PROCESSING";
    String error;

    Job(JobAction action) {
      this.action = action;
    }
  }

  FakeCloudController() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  String url() {
    return base;
  }

  /** Jobs answer PROCESSING this many times before they run (and COMPLETE or FAIL). */
  FakeCloudController jobPolls(int polls) {
    this.jobPolls = polls;
    return this;
  }

  /** POST and PATCH of brokers whose name matches get 422 with a CC error body. */
  FakeCloudController rejectBrokerNames(Predicate<String> names) {
    this.rejectedBrokerNames = names;
    return this;
  }

  synchronized FakeCloudController addOrganization(String guid, String name) {
    orgs.put(guid, name);
    return this;
  }

  /** Registers a broker directly in CF (no catalog fetch), as an operator would have done before SM. */
  synchronized BrokerView addBroker(String name, String url, String spaceGuid) {
    Broker b = new Broker();
    b.name = name;
    b.url = url;
    b.username = "u";
    b.password = "p";
    b.spaceGuid = spaceGuid;
    brokers.put(b.guid, b);
    return view(b);
  }

  /** Sets how many service instances CF users have of the broker of that name (0 lets it be deleted). */
  synchronized FakeCloudController serviceInstances(String brokerName, int count) {
    brokers.values().stream().filter(b -> b.name.equals(brokerName)).findFirst()
        .orElseThrow(() -> new AssertionError("no CC broker named " + brokerName)).instances = count;
    return this;
  }

  int totalJobPolls() {
    return totalJobPolls.get();
  }

  /** {@code METHOD path} of every /v3 call, in order. */
  List<String> log() {
    return List.copyOf(log);
  }

  /** The basic user name the CC uses towards the broker of that name (to check per-broker credentials). */
  synchronized String brokerUsername(String name) {
    return brokers.values().stream().filter(b -> b.name.equals(name)).map(b -> b.username).findFirst()
        .orElseThrow(() -> new AssertionError("no CC broker named " + name));
  }

  synchronized List<BrokerView> brokers() {
    return brokers.values().stream().map(FakeCloudController::view).toList();
  }

  synchronized List<PlanView> plansOf(String brokerName) {
    List<PlanView> result = new ArrayList<>();
    for (Broker b : brokers.values()) {
      if (!b.name.equals(brokerName)) {
        continue;
      }
      for (Plan p : plans.values()) {
        if (offerings.get(p.offeringGuid).brokerGuid().equals(b.guid)) {
          result.add(new PlanView(p.guid, p.name, p.catalogId, p.visibilityType, Set.copyOf(p.orgs)));
        }
      }
    }
    return result;
  }

  private static BrokerView view(Broker b) {
    return new BrokerView(b.guid, b.name, b.url);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------- HTTP

  private record Reply(int status, Object body, String location) {}

  private void handle(HttpExchange exchange) throws IOException {
    Reply reply;
    try {
      reply = route(exchange);
    } catch (RuntimeException e) {
      reply = error(500, 10001, "CF-ServerError", e.toString());
    }
    byte[] bytes = reply.body() == null ? new byte[0] : Json.write(reply.body()).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    if (reply.location() != null) {
      exchange.getResponseHeaders().set("Location", reply.location());
    }
    exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }

  private Reply route(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    String path = exchange.getRequestURI().getPath();
    Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
    String body;
    try (InputStream in = exchange.getRequestBody()) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    if (path.equals("/") && method.equals("GET")) {
      return new Reply(200, Map.of("links", Map.of(
          "self", Map.of("href", base),
          "cloud_controller_v3", Map.of("href", base + "/v3"),
          "login", Map.of("href", base + "/login"),
          "uaa", Map.of("href", base + "/uaa"))), null);
    }
    if (path.equals("/uaa/oauth/token") && method.equals("POST")) {
      return token(exchange.getRequestHeaders().getFirst("Authorization"), query(body));
    }
    if (!path.startsWith("/v3/")) {
      return error(404, 10000, "CF-NotFound", "Unknown request");
    }
    String auth = exchange.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Bearer ") || !tokens.contains(auth.substring(7))) {
      return error(401, 10002, "CF-NotAuthenticated", "Authentication error");
    }
    log.add(method + " " + path);
    String[] parts = path.substring(1).split("/");
    Map<String, Object> json;
    try {
      json = Json.parse(body);
    } catch (IllegalArgumentException e) {
      return error(400, 1001, "CF-MessageParseError", "Request invalid due to parse error");
    }
    synchronized (this) {
      return switch (parts[1]) {
        case "service_brokers" -> brokersRoute(method, parts, query, json);
        case "jobs" -> parts.length == 3 && method.equals("GET") ? pollJob(parts[2]) : notFound();
        case "service_offerings" -> method.equals("GET") && parts.length == 2 ? listOfferings(query) : notFound();
        case "service_plans" -> plansRoute(method, parts, query, json);
        case "organizations" -> method.equals("GET") && parts.length == 2 ? listOrgs(query) : notFound();
        default -> notFound();
      };
    }
  }

  private Reply token(String authorization, Map<String, String> form) {
    String client = authorization == null || !authorization.startsWith("Basic ")
        ? null
        : new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
    boolean ok = "client_credentials".equals(form.get("grant_type"))
        && (CLIENT_ID + ":" + CLIENT_SECRET).equals(client);
    ok |= "password".equals(form.get("grant_type")) && "cf:".equals(client)
        && "admin".equals(form.get("username")) && "admin-password".equals(form.get("password"));
    if (!ok) {
      return new Reply(401, Map.of("error", "unauthorized", "error_description", "Bad credentials"), null);
    }
    String token = UUID.randomUUID().toString();
    tokens.add(token);
    return new Reply(200, Map.of("access_token", token, "token_type", "bearer", "expires_in", 3600), null);
  }

  // ---------------------------------------------------------------- brokers and jobs

  private Reply brokersRoute(String method, String[] parts, Map<String, String> query, Map<String, Object> json) {
    if (parts.length == 2 && method.equals("GET")) {
      Set<String> names = csv(query.get("names"));
      List<Object> resources = brokers.values().stream()
          .filter(b -> names == null || names.contains(b.name))
          .map(this::brokerJson)
          .collect(Collectors.toList());
      return page("/v3/service_brokers", query, resources);
    }
    if (parts.length == 2 && method.equals("POST")) {
      String invalid = invalidBroker(json, true, null);
      if (invalid != null) {
        return error(422, 10008, "CF-UnprocessableEntity", invalid);
      }
      Broker b = new Broker();
      b.name = (String) json.get("name");
      b.url = (String) json.get("url");
      Map<String, Object> credentials = Json.object(Json.object(json, "authentication"), "credentials");
      b.username = Json.string(credentials, "username");
      b.password = Json.string(credentials, "password");
      brokers.put(b.guid, b);
      return job(() -> {
        String failure = syncCatalog(b, b.url, b.username, b.password);
        if (failure != null) {
          removeBroker(b.guid);
        }
        return failure;
      });
    }
    Broker b = parts.length == 3 ? brokers.get(parts[2]) : null;
    if (b == null) {
      return notFound();
    }
    return switch (method) {
      case "GET" -> new Reply(200, brokerJson(b), null);
      case "PATCH" -> {
        String invalid = invalidBroker(json, false, b.guid);
        if (invalid != null) {
          yield error(422, 10008, "CF-UnprocessableEntity", invalid);
        }
        String name = json.containsKey("name") ? (String) json.get("name") : b.name;
        String url = json.containsKey("url") ? (String) json.get("url") : b.url;
        Map<String, Object> credentials = Json.object(Json.object(json, "authentication"), "credentials");
        String username = credentials.isEmpty() ? b.username : Json.string(credentials, "username");
        String password = credentials.isEmpty() ? b.password : Json.string(credentials, "password");
        yield job(() -> {
          String failure = syncCatalog(b, url, username, password);
          if (failure == null) {
            b.name = name;
            b.url = url;
            b.username = username;
            b.password = password;
          }
          return failure;
        });
      }
      // CC v3 refuses before starting a job while instances exist (ServiceBrokerNotRemovable,
      // code 270010, HTTP 422); it deletes neither plans nor instances then.
      case "DELETE" -> b.instances > 0
          ? error(422, 270010, "CF-ServiceBrokerNotRemovable",
              "Can not remove brokers that have associated service instances: " + b.name)
          : job(() -> {
            removeBroker(b.guid);
            return null;
          });
      default -> notFound();
    };
  }

  private String invalidBroker(Map<String, Object> json, boolean create, String self) {
    Object name = json.get("name");
    if (create || json.containsKey("name")) {
      if (!(name instanceof String s) || s.isBlank()) {
        return "Name must be a string and cannot be blank";
      }
      if (brokers.values().stream().anyMatch(b -> b.name.equals(s) && !b.guid.equals(self))) {
        return "Name must be unique";
      }
      if (rejectedBrokerNames.test(s)) {
        return "Broker " + s + " is refused by this Cloud Controller";
      }
    }
    if (create || json.containsKey("url")) {
      Object url = json.get("url");
      if (!(url instanceof String u) || !(u.startsWith("http://") || u.startsWith("https://"))) {
        return "Url must be a valid URL";
      }
    }
    if (create || json.containsKey("authentication")) {
      Map<String, Object> authentication = Json.object(json, "authentication");
      Map<String, Object> credentials = Json.object(authentication, "credentials");
      if (!"basic".equals(authentication.get("type"))
          || blank(Json.string(credentials, "username")) || blank(Json.string(credentials, "password"))) {
        return "Authentication must be {type: basic, credentials: {username, password}}";
      }
    }
    return null;
  }

  private Reply job(JobAction action) {
    Job job = new Job(action);
    jobs.put(job.guid, job);
    return new Reply(202, null, base + "/v3/jobs/" + job.guid);
  }

  private Reply pollJob(String guid) {
    Job job = jobs.get(guid);
    if (job == null) {
      return notFound();
    }
    totalJobPolls.incrementAndGet();
    if (job.state.equals("PROCESSING") && ++job.polls > jobPolls) {
      job.error = job.action.run();
      job.state = job.error == null ? "COMPLETE" : "FAILED";
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("guid", job.guid);
    body.put("operation", "service_broker.sync");
    body.put("state", job.state);
    body.put("errors", job.error == null ? List.of() : List.of(Map.of("code", 10001, "title", "CF-ServiceBrokerCatalogInvalid", "detail", job.error)));
    body.put("warnings", List.of());
    return new Reply(200, body, null);
  }

  /** Fetches the catalog from the broker as a real CC does, and replaces the broker's offerings and plans. */
  private String syncCatalog(Broker b, String url, String username, String password) {
    HttpResponse<String> response;
    try {
      response = http.send(HttpRequest.newBuilder(URI.create(url + "/v2/catalog"))
          .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)))
          .header("X-Broker-API-Version", "2.17")
          .timeout(Duration.ofSeconds(10))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return "The service broker could not be reached: " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
    if (response.statusCode() != 200) {
      return "The service broker rejected the catalog request: " + response.statusCode() + " " + response.body();
    }
    Map<String, Object> catalog = Json.parse(response.body());
    Map<String, Offering> keptOfferings = new HashMap<>();
    Set<String> keptPlans = new LinkedHashSet<>();
    for (Map<String, Object> service : Json.objects(catalog, "services")) {
      String serviceId = Json.string(service, "id");
      Offering offering = offerings.values().stream()
          .filter(o -> o.brokerGuid().equals(b.guid) && o.catalogId().equals(serviceId))
          .findFirst()
          .orElseGet(() -> new Offering(UUID.randomUUID().toString(), Json.string(service, "name"), serviceId, b.guid));
      offerings.put(offering.guid(), offering);
      keptOfferings.put(offering.guid(), offering);
      for (Map<String, Object> p : Json.objects(service, "plans")) {
        String planId = Json.string(p, "id");
        Plan plan = plans.values().stream()
            .filter(x -> x.offeringGuid.equals(offering.guid()) && x.catalogId.equals(planId))
            .findFirst()
            .orElseGet(() -> new Plan(Json.string(p, "name"), planId, offering.guid()));
        plan.name = Json.string(p, "name");
        plans.put(plan.guid, plan);
        keptPlans.add(plan.guid);
      }
    }
    offerings.values().removeIf(o -> o.brokerGuid().equals(b.guid) && !keptOfferings.containsKey(o.guid()));
    plans.values().removeIf(p -> !offerings.containsKey(p.offeringGuid) || (keptOfferings.containsKey(p.offeringGuid) && !keptPlans.contains(p.guid)));
    return null;
  }

  private void removeBroker(String guid) {
    brokers.remove(guid);
    offerings.values().removeIf(o -> o.brokerGuid().equals(guid));
    plans.values().removeIf(p -> !offerings.containsKey(p.offeringGuid));
  }

  private Map<String, Object> brokerJson(Broker b) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("guid", b.guid);
    json.put("name", b.name);
    json.put("url", b.url);
    json.put("created_at", Instant.now().toString());
    json.put("relationships", b.spaceGuid == null ? Map.of() : Map.of("space", Map.of("data", Map.of("guid", b.spaceGuid))));
    json.put("links", Map.of("self", Map.of("href", base + "/v3/service_brokers/" + b.guid)));
    return json;
  }

  // ---------------------------------------------------------------- offerings, plans, visibility, orgs

  private Reply listOfferings(Map<String, String> query) {
    Set<String> brokerGuids = csv(query.get("service_broker_guids"));
    List<Object> resources = offerings.values().stream()
        .filter(o -> brokerGuids == null || brokerGuids.contains(o.brokerGuid()))
        .map(o -> (Object) Map.of("guid", o.guid(), "name", o.name(), "broker_catalog", Map.of("id", o.catalogId()),
            "relationships", Map.of("service_broker", Map.of("data", Map.of("guid", o.brokerGuid())))))
        .collect(Collectors.toList());
    return page("/v3/service_offerings", query, resources);
  }

  private Reply plansRoute(String method, String[] parts, Map<String, String> query, Map<String, Object> json) {
    if (parts.length == 2 && method.equals("GET")) {
      Set<String> offeringGuids = csv(query.get("service_offering_guids"));
      List<Object> resources = plans.values().stream()
          .filter(p -> offeringGuids == null || offeringGuids.contains(p.offeringGuid))
          .map(p -> (Object) Map.of("guid", p.guid, "name", p.name, "broker_catalog", Map.of("id", p.catalogId),
              "visibility_type", p.visibilityType,
              "relationships", Map.of("service_offering", Map.of("data", Map.of("guid", p.offeringGuid)))))
          .collect(Collectors.toList());
      return page("/v3/service_plans", query, resources);
    }
    Plan plan = parts.length >= 4 && parts[3].equals("visibility") ? plans.get(parts[2]) : null;
    if (plan == null) {
      return notFound();
    }
    if (parts.length == 5 && method.equals("DELETE")) {
      if (!plan.visibilityType.equals("organization") || !plan.orgs.remove(parts[4])) {
        return error(422, 10008, "CF-UnprocessableEntity", "Organization " + parts[4] + " has no visibility of this plan");
      }
      return new Reply(204, null, null);
    }
    if (parts.length != 4) {
      return notFound();
    }
    switch (method) {
      case "GET":
        return new Reply(200, visibilityJson(plan), null);
      case "PATCH": {
        String type = Json.string(json, "type");
        if ("public".equals(type) || "admin".equals(type)) {
          plan.visibilityType = type;
          plan.orgs.clear();
          return new Reply(200, visibilityJson(plan), null);
        }
        if (!"organization".equals(type)) {
          return error(422, 10008, "CF-UnprocessableEntity", "Type must be one of 'public', 'admin', 'organization'");
        }
        Set<String> requested = orgGuids(json);
        String bad = badOrgs(requested);
        if (bad != null) {
          return error(422, 10008, "CF-UnprocessableEntity", bad);
        }
        plan.visibilityType = "organization";
        plan.orgs.clear();
        plan.orgs.addAll(requested);
        return new Reply(200, visibilityJson(plan), null);
      }
      case "POST": {
        if (!"organization".equals(Json.string(json, "type"))) {
          return error(422, 10008, "CF-UnprocessableEntity", "Type must be 'organization' to append organizations");
        }
        if (plan.visibilityType.equals("public") || plan.visibilityType.equals("space")) {
          return error(422, 10008, "CF-UnprocessableEntity", "Cannot append organizations to a " + plan.visibilityType + " plan");
        }
        Set<String> requested = orgGuids(json);
        String bad = badOrgs(requested);
        if (bad != null) {
          return error(422, 10008, "CF-UnprocessableEntity", bad);
        }
        plan.visibilityType = "organization";
        plan.orgs.addAll(requested);
        return new Reply(200, visibilityJson(plan), null);
      }
      default:
        return notFound();
    }
  }

  private Set<String> orgGuids(Map<String, Object> json) {
    Set<String> guids = new LinkedHashSet<>();
    Json.objects(json, "organizations").forEach(o -> guids.add(Json.string(o, "guid")));
    return guids;
  }

  private String badOrgs(Set<String> requested) {
    if (requested.isEmpty()) {
      return "Organizations must not be empty";
    }
    Set<String> unknown = new LinkedHashSet<>(requested);
    unknown.removeAll(orgs.keySet());
    return unknown.isEmpty() ? null : "Could not find organizations with guids: " + unknown;
  }

  private Map<String, Object> visibilityJson(Plan plan) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("type", plan.visibilityType);
    if (plan.visibilityType.equals("organization")) {
      json.put("organizations", plan.orgs.stream().map(g -> Map.of("guid", g, "name", orgs.get(g))).toList());
    }
    return json;
  }

  private Reply listOrgs(Map<String, String> query) {
    Set<String> guids = csv(query.get("guids"));
    List<Object> resources = orgs.entrySet().stream()
        .filter(e -> guids == null || guids.contains(e.getKey()))
        .map(e -> (Object) Map.of("guid", e.getKey(), "name", e.getValue()))
        .collect(Collectors.toList());
    return page("/v3/organizations", query, resources);
  }

  // ---------------------------------------------------------------- paging and errors

  private Reply page(String path, Map<String, String> query, List<Object> all) {
    int perPage = Integer.parseInt(query.getOrDefault("per_page", "50"));
    int pageNo = Integer.parseInt(query.getOrDefault("page", "1"));
    if (perPage < 1 || perPage > 5000 || pageNo < 1) {
      return error(400, 10005, "CF-BadQueryParameter", "per_page and page must be between 1 and 5000");
    }
    int totalPages = Math.max(1, (all.size() + perPage - 1) / perPage);
    List<Object> resources = all.subList(Math.min(all.size(), (pageNo - 1) * perPage), Math.min(all.size(), pageNo * perPage));
    Map<String, Object> pagination = new LinkedHashMap<>();
    pagination.put("total_results", all.size());
    pagination.put("total_pages", totalPages);
    pagination.put("first", Map.of("href", pageHref(path, query, 1)));
    pagination.put("last", Map.of("href", pageHref(path, query, totalPages)));
    pagination.put("next", pageNo < totalPages ? Map.of("href", pageHref(path, query, pageNo + 1)) : null);
    pagination.put("previous", pageNo > 1 ? Map.of("href", pageHref(path, query, pageNo - 1)) : null);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("pagination", pagination);
    body.put("resources", new ArrayList<>(resources));
    return new Reply(200, body, null);
  }

  private String pageHref(String path, Map<String, String> query, int page) {
    Map<String, String> q = new LinkedHashMap<>(query);
    q.put("page", Integer.toString(page));
    return base + path + "?" + q.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  private static Reply error(int status, int code, String title, String detail) {
    return new Reply(status, Map.of("errors", List.of(Map.of("code", code, "title", title, "detail", detail))), null);
  }

  private static Reply notFound() {
    return error(404, 10000, "CF-ResourceNotFound", "Unknown request");
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> query = new LinkedHashMap<>();
    if (raw == null || raw.isEmpty()) {
      return query;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      query.put(key, value);
    }
    return query;
  }

  private static Set<String> csv(String value) {
    if (value == null) {
      return null;
    }
    Set<String> values = new LinkedHashSet<>();
    for (String v : value.split(",")) {
      if (!v.isEmpty()) {
        values.add(v);
      }
    }
    return Collections.unmodifiableSet(values);
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
