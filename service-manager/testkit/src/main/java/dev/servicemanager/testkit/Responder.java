package dev.servicemanager.testkit;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers one request to a {@link Route} of a {@link FakeBroker}; install it with {@link FakeBroker#on(Route, Responder)}.
 * Any lambda {@code request -> Response.json(500, Map.of())} is a responder; the static factories cover the usual
 * scripts. Stateful factories ({@link #sequence}, {@link #failTimesThen}, {@link #lastOperationSequence}) count calls
 * per instance, so create a new one per test (overrides are dropped by {@link FakeBroker#reset()} anyway).
 *
 * <p>Whatever status a responder answers, the broker keeps its state consistent: a 202 from a provision, update,
 * deprovision, bind or unbind route marks that resource as having a pending operation, and a later last_operation
 * answer of {@code "succeeded"} (or 410 for a delete) applies it, {@code "failed"} drops it. Only the default handlers
 * change state synchronously.
 */
@FunctionalInterface
public interface Responder {

    /** Produces the answer; an exception becomes a 500 with a description. */
    Response handle(RecordedRequest request) throws Exception;

    /** This responder, with one more header on every answer (e.g. {@code Retry-After}). */
    default Responder withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        return request -> handle(request).withHeader(name, value);
    }

    /** Answers status with a raw body (sent verbatim, Content-Type application/json). */
    static Responder respond(int status, String body) {
        Response response = Response.of(status, body);
        return request -> response;
    }

    /** Answers status with body written as JSON. */
    static Responder respond(int status, Map<String, ?> body) {
        Response response = Response.json(status, body);
        return request -> response;
    }

    /** Answers status with an OSB error body {@code {"error": error, "description": description}} (error may be null). */
    static Responder error(int status, String error, String description) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (error != null) {
            body.put("error", error);
        }
        body.put("description", description);
        return respond(status, body);
    }

    /** The fake's built-in handler for the route being served: use it as the {@code then} of a script. */
    static Responder defaults() {
        return request -> {
            FakeBroker.Dispatch d = FakeBroker.currentDispatch("Responder.defaults()");
            return d.broker().defaultResponse(d.match(), request);
        };
    }

    /**
     * Accepts asynchronously: 202 {@code {"operation": operation}} ({@code {}} if operation is null), if the request
     * carries {@code accepts_incomplete=true}; otherwise 422 {@code AsyncRequired}, as the spec demands. The broker
     * records the pending operation; see {@link FakeBroker#pollsBeforeSuccess(Route, int)}.
     */
    static Responder async(String operation) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (operation != null) {
            body.put("operation", operation);
        }
        Response accepted = Response.json(202, body);
        Response asyncRequired = Response.json(422, Map.of("error", "AsyncRequired",
                "description", "This service plan requires client support for asynchronous service operations."));
        return request -> "true".equals(request.query().get("accepts_incomplete")) ? accepted : asyncRequired;
    }

    /** Calls the steps in order, one per request, repeating the last one forever. */
    static Responder sequence(Responder... steps) {
        if (steps.length == 0) {
            throw new IllegalArgumentException("sequence needs at least one step");
        }
        List<Responder> list = List.copyOf(Arrays.asList(steps));
        AtomicInteger calls = new AtomicInteger();
        return request -> list.get(Math.min(calls.getAndIncrement(), list.size() - 1)).handle(request);
    }

    /**
     * A last_operation script: 200 {@code {"state": s}} for each state in order, repeating the last one. States are
     * "in progress", "succeeded" or "failed". Add {@code .withHeader("Retry-After", "1")} to send Retry-After.
     */
    static Responder lastOperationSequence(String... states) {
        if (states.length == 0) {
            throw new IllegalArgumentException("lastOperationSequence needs at least one state");
        }
        return sequence(Arrays.stream(states).map(s -> respond(200, Map.of("state", s))).toArray(Responder[]::new));
    }

    /** The first n calls answer status with an OSB error body, later calls are delegated to then. */
    static Responder failTimesThen(int n, int status, Responder then) {
        Objects.requireNonNull(then, "then");
        AtomicInteger calls = new AtomicInteger();
        return request -> {
            int call = calls.incrementAndGet();
            if (call <= n) {
                return Response.json(status, Map.of("error", "FakeFailure",
                        "description", "scripted failure " + call + " of " + n));
            }
            return then.handle(request);
        };
    }

    /**
     * Sleeps for d (cut short when the broker is closed or reset), then delegates to then. Use it to provoke client
     * timeouts.
     */
    static Responder delay(Duration d, Responder then) {
        Objects.requireNonNull(d, "d");
        Objects.requireNonNull(then, "then");
        return request -> {
            FakeBroker.Dispatch dispatch = FakeBroker.currentDispatchOrNull();
            if (dispatch != null) {
                dispatch.broker().awaitRelease(d);
            } else {
                Thread.sleep(d.toMillis());
            }
            return then.handle(request);
        };
    }

    /**
     * Never answers, until the broker is closed or reset; then the held request gets 503 (if its connection is still
     * open). The broker thread is released either way.
     */
    static Responder hang() {
        return request -> {
            FakeBroker.currentDispatch("Responder.hang()").broker().awaitRelease(null);
            return Response.error(503, "FakeBroker released a hanging request");
        };
    }

    /** Answers status with a body that is not valid JSON ({@code {"broken}), still labelled application/json. */
    static Responder malformed(int status) {
        return respond(status, "{\"broken");
    }

    /** 410 Gone with body {@code {}}. */
    static Responder gone() {
        return respond(410, Map.of());
    }
}
