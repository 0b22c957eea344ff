package dev.servicemanager.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process, programmable OSB 2.17 service broker for tests (after Peripli's {@code test/common/broker.go}).
 *
 * <p>Serves HTTP on 127.0.0.1 on a free port with a small thread pool, checks HTTP Basic auth (401) and the
 * {@code X-Broker-API-Version} header (412) on every request after recording it, and by default behaves as a small,
 * synchronous in-memory broker (see {@link #defaultResponse}). Every route can be scripted with
 * {@link #on(Route, Responder)}. Thread-safe.
 *
 * <pre>{@code
 * try (FakeBroker broker = FakeBroker.start()) {
 *     broker.on(Route.PROVISION, Responder.async("op-1"));
 *     broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);
 *     ... register broker.url() / broker.username() / broker.password() with the platform ...
 *     assertThat(broker.requests(Route.INSTANCE_LAST_OPERATION)).hasSize(3);
 * }
 * }</pre>
 */
public final class FakeBroker implements AutoCloseable {
    /** Basic-auth user name of every fake broker. */
    public static final String DEFAULT_USERNAME = "broker-user";
    /** Header a platform may send and the fake echoes back. */
    public static final String REQUEST_IDENTITY_HEADER = "X-Broker-API-Request-Identity";
    /** Header every request must carry. */
    public static final String API_VERSION_HEADER = "X-Broker-API-Version";
    /** Internal: carries {@link Response#breakingOffAfter}; never sent on the wire. */
    static final String FAULT_HEADER = "X-Fake-Broker-Fault";

    private static final int THREADS = 16;
    private static final ThreadLocal<Dispatch> CURRENT = new ThreadLocal<>();
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    /** What a responder is serving right now (used by {@link Responder#defaults()}, hang and delay). */
    record Dispatch(FakeBroker broker, Route.Match match) {
    }

    private record Catalog(String json, Map<String, Object> parsed) {
    }

    private record StoredBinding(String instanceId, Map<String, Object> body) {
    }

    private static final class PendingOperation {
        final Route route;
        final RecordedRequest request;
        final String instanceId;
        final String bindingId;
        final String operation;
        final AtomicInteger polls = new AtomicInteger();

        PendingOperation(Route route, RecordedRequest request, Route.Match match, String operation) {
            this.route = route;
            this.request = request;
            this.instanceId = match.instanceId();
            this.bindingId = match.bindingId();
            this.operation = operation;
        }
    }

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final String url;
    private final String username;
    private final String password;
    private final String expectedCredentials;
    private final Catalog initialCatalog;
    private volatile Catalog catalog;
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final Map<Route, Responder> overrides = new ConcurrentHashMap<>();
    private final Map<Route, Integer> pollsBeforeSuccess = new ConcurrentHashMap<>();

    private final Object lock = new Object();
    private final Map<String, Map<String, Object>> instances = new LinkedHashMap<>();
    private final Map<String, StoredBinding> bindings = new LinkedHashMap<>();
    private final Map<String, PendingOperation> pending = new HashMap<>();
    private final Map<String, String> finished = new HashMap<>();

    private volatile CountDownLatch release = new CountDownLatch(1);
    private volatile boolean closed;

    private FakeBroker(Map<String, Object> catalog) throws IOException {
        this.username = DEFAULT_USERNAME;
        this.password = UUID.randomUUID().toString();
        this.expectedCredentials = username + ":" + password;
        this.initialCatalog = toCatalog(Json.write(Objects.requireNonNull(catalog, "catalog")));
        this.catalog = initialCatalog;
        int id = INSTANCES.incrementAndGet();
        AtomicInteger threadNo = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "fake-broker-" + id + "-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.executor.allowCoreThreadTimeOut(true);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 64);
        this.server.setExecutor(executor);
        this.server.createContext("/", this::handle);
        this.server.start();
        this.url = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts a broker serving {@link FakeCatalog#defaultCatalog()}, user {@value #DEFAULT_USERNAME}, random password. */
    public static FakeBroker start() {
        return start(FakeCatalog.defaultCatalog());
    }

    /** Starts a broker serving {@code catalog}; {@link #reset()} restores this catalog. */
    public static FakeBroker start(Map<String, Object> catalog) {
        try {
            return new FakeBroker(catalog);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start FakeBroker", e);
        }
    }

    // ---------------------------------------------------------------- configuration and inspection

    /** Base URL, {@code http://127.0.0.1:<port>}, without a trailing slash. */
    public String url() {
        return url;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The value of a valid {@code Authorization} header for this broker. */
    public String authorizationHeader() {
        return "Basic " + Base64.getEncoder().encodeToString(expectedCredentials.getBytes(StandardCharsets.UTF_8));
    }

    /** Replaces the served catalog (deep copy). */
    public FakeBroker catalog(Map<String, Object> catalog) {
        this.catalog = toCatalog(Json.write(Objects.requireNonNull(catalog, "catalog")));
        return this;
    }

    /**
     * Replaces the served catalog with raw text, served verbatim. It may be invalid JSON (to test catalog errors); then
     * {@link #catalog()} throws and provision/bind validation sees an empty catalog.
     */
    public FakeBroker catalogJson(String rawJson) {
        this.catalog = toCatalog(Objects.requireNonNull(rawJson, "rawJson"));
        return this;
    }

    /** The current catalog as a fresh, mutable map. */
    public Map<String, Object> catalog() {
        Catalog c = catalog;
        if (c.parsed() == null) {
            throw new IllegalStateException("the served catalog is not a JSON object: " + c.json());
        }
        return Json.parseObject(c.json());
    }

    /** Overrides a route until {@link #reset()} or {@link #restoreDefault(Route)}. Auth and version checks still apply first. */
    public FakeBroker on(Route route, Responder responder) {
        overrides.put(Objects.requireNonNull(route, "route"), Objects.requireNonNull(responder, "responder"));
        return this;
    }

    /** Removes the override of a route. */
    public FakeBroker restoreDefault(Route route) {
        overrides.remove(route);
        return this;
    }

    /**
     * With the default last_operation handler of {@code lastOperationRoute}, each pending asynchronous operation is
     * answered {@code "in progress"} n times before {@code "succeeded"}.
     */
    public FakeBroker pollsBeforeSuccess(Route lastOperationRoute, int n) {
        if (!lastOperationRoute.isLastOperation()) {
            throw new IllegalArgumentException(lastOperationRoute + " is not a last_operation route");
        }
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        pollsBeforeSuccess.put(lastOperationRoute, n);
        return this;
    }

    /** All recorded requests in arrival order (including rejected ones). */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Recorded requests with this method (null = any) whose raw path starts with pathPrefix (null = any). */
    public List<RecordedRequest> requests(String method, String pathPrefix) {
        return requests().stream()
                .filter(r -> method == null || r.method().equalsIgnoreCase(method))
                .filter(r -> pathPrefix == null || r.path().startsWith(pathPrefix))
                .toList();
    }

    /** Recorded requests that addressed this route. */
    public List<RecordedRequest> requests(Route route) {
        return requests().stream().filter(r -> r.route() == route).toList();
    }

    /**
     * Clears recorded requests, overrides, poll settings and state (instances, bindings, pending operations), restores
     * the catalog given at start, and releases requests held by {@link Responder#hang()} or {@link Responder#delay}.
     */
    public void reset() {
        CountDownLatch old = release;
        release = new CountDownLatch(1);
        old.countDown();
        overrides.clear();
        pollsBeforeSuccess.clear();
        catalog = initialCatalog;
        synchronized (lock) {
            instances.clear();
            bindings.clear();
            pending.clear();
            finished.clear();
        }
        synchronized (requests) {
            requests.clear();
        }
    }

    /** Stored instances: instance id → stored provision request body (plan_id/parameters updated by PATCH). */
    public Map<String, Map<String, Object>> instances() {
        synchronized (lock) {
            Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
            instances.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
            return Collections.unmodifiableMap(copy);
        }
    }

    /** Stored bindings: binding id → stored bind request body. */
    public Map<String, Map<String, Object>> bindings() {
        synchronized (lock) {
            Map<String, Map<String, Object>> copy = new LinkedHashMap<>();
            bindings.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v.body()))));
            return Collections.unmodifiableMap(copy);
        }
    }

    /** Instance id of a stored binding, or null. */
    public String bindingInstanceId(String bindingId) {
        synchronized (lock) {
            StoredBinding b = bindings.get(bindingId);
            return b == null ? null : b.instanceId();
        }
    }

    /** Stops the server, releases held requests and stops the broker's threads (bounded wait). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeBroker[" + url + "]";
    }

    // ---------------------------------------------------------------- HTTP plumbing

    private void handle(HttpExchange exchange) {
        try {
            RecordedRequest request = record(exchange);
            synchronized (requests) {
                requests.add(request);
            }
            Response response;
            try {
                response = respond(request);
            } catch (Throwable t) {
                response = Response.error(500, "FakeBroker responder failed: " + t);
            }
            send(exchange, request, response);
        } catch (IOException | RuntimeException e) {
            // client went away, or the broker was closed while answering
        } finally {
            exchange.close();
        }
    }

    private static RecordedRequest record(HttpExchange exchange) throws IOException {
        URI uri = exchange.getRequestURI();
        String body;
        try (InputStream in = exchange.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
        String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
        return new RecordedRequest(exchange.getRequestMethod(), rawPath, decodeQuery(uri.getRawQuery()), headers, body);
    }

    private static Map<String, String> decodeQuery(String rawQuery) {
        Map<String, String> query = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decodeComponent(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decodeComponent(pair.substring(eq + 1));
            query.putIfAbsent(name, value);
        }
        return query;
    }

    private static String decodeComponent(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private void send(HttpExchange exchange, RecordedRequest request, Response response) throws IOException {
        var out = exchange.getResponseHeaders();
        String fault = response.header(FAULT_HEADER);
        response.headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase(FAULT_HEADER)) {
                values.forEach(v -> out.add(name, v));
            }
        });
        byte[] bytes = response.body().getBytes(StandardCharsets.UTF_8);
        int status = response.status();
        boolean noBody = status == 204 || status == 304 || status < 200 || "HEAD".equals(request.method());
        if (bytes.length > 0 && response.header("Content-Type") == null) {
            out.set("Content-Type", "application/json");
        }
        String identity = request.header(REQUEST_IDENTITY_HEADER);
        if (identity != null && response.header(REQUEST_IDENTITY_HEADER) == null) {
            out.set(REQUEST_IDENTITY_HEADER, identity);
        }
        if (noBody || bytes.length == 0) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, bytes.length);
        if (fault != null) {
            breakOff(exchange, bytes, fault);
            return;
        }
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    // A body that stops part-way: stall (hold the connection until reset/close) or reset (drop it).
    private void breakOff(HttpExchange exchange, byte[] bytes, String fault) throws IOException {
        int cut = Math.min(bytes.length - 1, Integer.parseInt(fault.substring(fault.indexOf(':') + 1)));
        OutputStream os = exchange.getResponseBody();
        os.write(bytes, 0, Math.max(0, cut));
        os.flush();
        if (fault.startsWith("stall:")) {
            awaitRelease(null);
        }
        // Closing the exchange with fewer bytes than announced makes the server drop the connection.
    }

    // ---------------------------------------------------------------- dispatch

    private Response respond(RecordedRequest request) throws Exception {
        if (!authorized(request.header("Authorization"))) {
            return Response.error(401, "missing or invalid HTTP Basic credentials")
                    .withHeader("WWW-Authenticate", "Basic realm=\"fake-broker\"");
        }
        String version = request.header(API_VERSION_HEADER);
        if (version == null || version.isBlank()) {
            return Response.error(412, "the " + API_VERSION_HEADER + " header is required; this broker serves 2.17");
        }
        Route.Match match = Route.match(request.method(), request.path());
        if (match == null) {
            return Response.error(404, "no OSB route for " + request.method() + " " + request.path());
        }
        Responder override = overrides.get(match.route());
        Response response;
        if (override == null) {
            response = defaultResponse(match, request);
        } else {
            Dispatch previous = CURRENT.get();
            CURRENT.set(new Dispatch(this, match));
            try {
                response = override.handle(request);
            } finally {
                CURRENT.set(previous);
            }
            if (response == null) {
                response = Response.error(500, "FakeBroker responder for " + match.route() + " returned null");
            }
        }
        afterResponse(match, request, response);
        return response;
    }

    private boolean authorized(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            return decoded.equals(expectedCredentials);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static Dispatch currentDispatchOrNull() {
        return CURRENT.get();
    }

    static Dispatch currentDispatch(String what) {
        Dispatch d = CURRENT.get();
        if (d == null) {
            throw new IllegalStateException(what + " can only run inside a FakeBroker override");
        }
        return d;
    }

    /**
     * Waits until the broker is reset or closed, or until max has passed (null = no limit). Answers true if released.
     */
    boolean awaitRelease(Duration max) {
        CountDownLatch latch = release;
        if (closed) {
            return true;
        }
        try {
            if (max == null) {
                latch.await();
                return true;
            }
            return latch.await(max.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Keeps pending async operations in step with whatever answered (default handler or override). */
    private void afterResponse(Route.Match match, RecordedRequest request, Response response) {
        Route route = match.route();
        if (route.isAsyncCapable() && response.status() == 202) {
            synchronized (lock) {
                String key = match.resourceKey();
                PendingOperation existing = pending.get(key);
                if (existing == null || existing.route != route) {
                    Map<String, Object> body = response.jsonOrNull();
                    String operation = body != null && body.get("operation") instanceof String s ? s : null;
                    pending.put(key, new PendingOperation(route, request, match, operation));
                }
                finished.remove(key);
            }
        } else if (route.isLastOperation()) {
            synchronized (lock) {
                String key = match.resourceKey();
                PendingOperation op = pending.get(key);
                if (op == null) {
                    return;
                }
                String state = null;
                if (response.status() == 200) {
                    Map<String, Object> body = response.jsonOrNull();
                    state = body == null || !(body.get("state") instanceof String s) ? null : s;
                }
                boolean deleting = op.route == Route.DEPROVISION || op.route == Route.UNBIND;
                if ("succeeded".equals(state) || (response.status() == 410 && deleting)) {
                    pending.remove(key);
                    complete(op);
                    finished.put(key, "succeeded");
                } else if ("failed".equals(state)) {
                    pending.remove(key);
                    finished.put(key, "failed");
                }
            }
        }
    }

    private void complete(PendingOperation op) {
        Map<String, Object> body = Json.parseObjectOrNull(op.request.body());
        switch (op.route) {
            case PROVISION -> {
                if (body != null) {
                    instances.put(op.instanceId, body);
                }
            }
            case UPDATE -> {
                if (body != null) {
                    applyUpdate(op.instanceId, body);
                }
            }
            case DEPROVISION -> removeInstance(op.instanceId);
            case BIND -> {
                if (body != null) {
                    bindings.put(op.bindingId, new StoredBinding(op.instanceId, body));
                }
            }
            case UNBIND -> {
                StoredBinding b = bindings.get(op.bindingId);
                if (b != null && b.instanceId().equals(op.instanceId)) {
                    bindings.remove(op.bindingId);
                }
            }
            default -> {
            }
        }
    }

    // ---------------------------------------------------------------- default handlers

    /**
     * The built-in, synchronous behaviour of each route (also reachable from scripts via {@link Responder#defaults()}).
     * A pending asynchronous operation on the same resource (created by a 202 from an override) is answered 202 again
     * on a re-sent provision or bind, and is resolved by the default last_operation handlers.
     */
    Response defaultResponse(Route.Match m, RecordedRequest request) {
        synchronized (lock) {
            return switch (m.route()) {
                case CATALOG -> Response.of(200, catalog.json());
                case PROVISION -> provision(m, request);
                case FETCH_INSTANCE -> fetchInstance(m);
                case UPDATE -> update(m, request);
                case DEPROVISION -> deprovision(m, request);
                case BIND -> bind(m, request);
                case FETCH_BINDING -> fetchBinding(m);
                case UNBIND -> unbind(m, request);
                case INSTANCE_LAST_OPERATION, BINDING_LAST_OPERATION -> lastOperation(m);
            };
        }
    }

    private static final Response EMPTY_200 = Response.of(200, "{}");

    private Response provision(Route.Match m, RecordedRequest request) {
        Map<String, Object> body = Json.parseObjectOrNull(request.body());
        if (body == null) {
            return Response.error(400, "the request body must be a JSON object");
        }
        String serviceId = string(body, "service_id");
        String planId = string(body, "plan_id");
        if (serviceId == null || planId == null) {
            return Response.error(400, "service_id and plan_id are required");
        }
        if (findPlan(serviceId, planId) == null) {
            return Response.error(400, "plan " + planId + " of service " + serviceId + " is not in the catalog");
        }
        PendingOperation op = pending.get(m.resourceKey());
        if (op != null && op.route == Route.PROVISION) {
            return accepted(op);
        }
        Map<String, Object> existing = instances.get(m.instanceId());
        if (existing != null) {
            return sameAttributes(existing, body) ? EMPTY_200 : Response.of(409, "{}");
        }
        instances.put(m.instanceId(), body);
        return Response.json(201, Map.of("dashboard_url", dashboardUrl(m.instanceId())));
    }

    private Response fetchInstance(Route.Match m) {
        Map<String, Object> stored = instances.get(m.instanceId());
        if (stored == null) {
            return Response.error(404, "instance " + m.instanceId() + " not found");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service_id", stored.get("service_id"));
        body.put("plan_id", stored.get("plan_id"));
        body.put("dashboard_url", dashboardUrl(m.instanceId()));
        if (stored.get("parameters") != null) {
            body.put("parameters", stored.get("parameters"));
        }
        return Response.json(200, body);
    }

    private Response update(Route.Match m, RecordedRequest request) {
        Map<String, Object> body = Json.parseObjectOrNull(request.body());
        if (body == null) {
            return Response.error(400, "the request body must be a JSON object");
        }
        if (string(body, "service_id") == null) {
            return Response.error(400, "service_id is required");
        }
        Map<String, Object> stored = instances.get(m.instanceId());
        if (stored == null) {
            return Response.of(404, "{}");
        }
        String planId = string(body, "plan_id");
        if (body.containsKey("plan_id") && (planId == null || findPlan(string(stored, "service_id"), planId) == null)) {
            return Response.error(400, "plan " + body.get("plan_id") + " is not a plan of the instance's service");
        }
        applyUpdate(m.instanceId(), body);
        return EMPTY_200;
    }

    private void applyUpdate(String instanceId, Map<String, Object> body) {
        Map<String, Object> stored = instances.get(instanceId);
        if (stored == null) {
            return;
        }
        Map<String, Object> updated = new LinkedHashMap<>(stored);
        if (body.get("plan_id") != null) {
            updated.put("plan_id", body.get("plan_id"));
        }
        if (body.containsKey("parameters")) {
            updated.put("parameters", body.get("parameters"));
        }
        if (body.containsKey("context")) {
            updated.put("context", body.get("context"));
        }
        instances.put(instanceId, updated);
    }

    private Response deprovision(Route.Match m, RecordedRequest request) {
        if (blank(request.query().get("service_id")) || blank(request.query().get("plan_id"))) {
            return Response.error(400, "the service_id and plan_id query parameters are required");
        }
        String key = m.resourceKey();
        PendingOperation op = pending.get(key);
        if (op != null && op.route == Route.PROVISION && !instances.containsKey(m.instanceId())) {
            pending.remove(key); // a delete during provisioning halts the provision
            return EMPTY_200;
        }
        if (!instances.containsKey(m.instanceId())) {
            return Response.of(410, "{}");
        }
        removeInstance(m.instanceId());
        return EMPTY_200;
    }

    private void removeInstance(String instanceId) {
        instances.remove(instanceId);
        bindings.values().removeIf(b -> b.instanceId().equals(instanceId));
        pending.keySet().removeIf(k -> k.startsWith("b:" + instanceId + "/"));
    }

    private Response bind(Route.Match m, RecordedRequest request) {
        Map<String, Object> body = Json.parseObjectOrNull(request.body());
        if (body == null) {
            return Response.error(400, "the request body must be a JSON object");
        }
        if (string(body, "service_id") == null || string(body, "plan_id") == null) {
            return Response.error(400, "service_id and plan_id are required");
        }
        if (!instances.containsKey(m.instanceId())) {
            return Response.error(404, "instance " + m.instanceId() + " not found");
        }
        PendingOperation op = pending.get(m.resourceKey());
        if (op != null && op.route == Route.BIND) {
            return accepted(op);
        }
        StoredBinding existing = bindings.get(m.bindingId());
        if (existing != null) {
            boolean identical = existing.instanceId().equals(m.instanceId()) && sameAttributes(existing.body(), body);
            return identical ? Response.json(200, bindingBody(m, null)) : Response.of(409, "{}");
        }
        bindings.put(m.bindingId(), new StoredBinding(m.instanceId(), body));
        return Response.json(201, bindingBody(m, null));
    }

    private Response fetchBinding(Route.Match m) {
        StoredBinding b = bindings.get(m.bindingId());
        if (b == null || !b.instanceId().equals(m.instanceId())) {
            return Response.error(404, "binding " + m.bindingId() + " of instance " + m.instanceId() + " not found");
        }
        return Response.json(200, bindingBody(m, b.body().get("parameters")));
    }

    private Response unbind(Route.Match m, RecordedRequest request) {
        if (blank(request.query().get("service_id")) || blank(request.query().get("plan_id"))) {
            return Response.error(400, "the service_id and plan_id query parameters are required");
        }
        String key = m.resourceKey();
        PendingOperation op = pending.get(key);
        StoredBinding b = bindings.get(m.bindingId());
        if (op != null && op.route == Route.BIND && (b == null || !b.instanceId().equals(m.instanceId()))) {
            pending.remove(key); // an unbind during bind halts the bind
            return EMPTY_200;
        }
        if (b == null || !b.instanceId().equals(m.instanceId())) {
            return Response.of(410, "{}");
        }
        bindings.remove(m.bindingId());
        return EMPTY_200;
    }

    private Response lastOperation(Route.Match m) {
        String key = m.resourceKey();
        PendingOperation op = pending.get(key);
        if (op != null) {
            int n = pollsBeforeSuccess.getOrDefault(m.route(), 0);
            return state(op.polls.getAndIncrement() < n ? "in progress" : "succeeded");
        }
        String last = finished.get(key);
        if (last != null) {
            return state(last);
        }
        boolean exists = m.route() == Route.BINDING_LAST_OPERATION
                ? bindings.containsKey(m.bindingId()) && bindings.get(m.bindingId()).instanceId().equals(m.instanceId())
                : instances.containsKey(m.instanceId());
        return exists ? state("succeeded") : Response.error(404, "no operation known for " + key.substring(2));
    }

    // ---------------------------------------------------------------- helpers

    private static Response state(String state) {
        return Response.json(200, Map.of("state", state));
    }

    /** 202 again for a re-sent request while the operation runs, with the operation id of the first 202. */
    private static Response accepted(PendingOperation op) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (op.operation != null) {
            body.put("operation", op.operation);
        }
        return Response.json(202, body);
    }

    private static Map<String, Object> bindingBody(Route.Match m, Object parameters) {
        Map<String, Object> credentials = new LinkedHashMap<>();
        credentials.put("username", "u-" + m.bindingId());
        credentials.put("password", "p-" + m.bindingId());
        credentials.put("uri", "fake://" + m.instanceId() + "/" + m.bindingId());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("credentials", credentials);
        if (parameters != null) {
            body.put("parameters", parameters);
        }
        return body;
    }

    private static String dashboardUrl(String instanceId) {
        return "http://dashboard/" + instanceId;
    }

    private static boolean sameAttributes(Map<String, Object> stored, Map<String, Object> request) {
        return Objects.equals(stored.get("service_id"), request.get("service_id"))
                && Objects.equals(stored.get("plan_id"), request.get("plan_id"))
                && Objects.equals(stored.get("parameters"), request.get("parameters"));
    }

    private static String string(Map<String, Object> map, String key) {
        return map.get(key) instanceof String s && !s.isEmpty() ? s : null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> findPlan(String serviceId, String planId) {
        Map<String, Object> parsed = catalog.parsed();
        if (parsed == null || !(parsed.get("services") instanceof List<?> services)) {
            return null;
        }
        for (Object s : services) {
            if (s instanceof Map<?, ?> service && serviceId.equals(service.get("id"))
                    && service.get("plans") instanceof List<?> plans) {
                for (Object p : plans) {
                    if (p instanceof Map<?, ?> plan && planId.equals(plan.get("id"))) {
                        return (Map<String, Object>) plan;
                    }
                }
            }
        }
        return null;
    }

    private static Catalog toCatalog(String json) {
        return new Catalog(json, Json.parseObjectOrNull(json));
    }
}
