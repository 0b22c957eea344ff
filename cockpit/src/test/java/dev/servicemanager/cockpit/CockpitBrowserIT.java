package dev.servicemanager.cockpit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.server.ServiceManagerLauncher;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import dev.servicemanager.testkit.HeadlessChromium;
import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Cockpit in a real headless Chromium, against the real server (with the Compass plugin) on a
 * fresh embedded PostgreSQL and the testkit's fake broker: everything is done through the page, the
 * way a person would, and checked on the page and on the server. Skipped, with the reason, where no
 * Chromium is installed. With {@code -Dcockpit.screenshots=<dir>} it writes a PNG of every page there.
 */
@Timeout(180)
class CockpitBrowserIT {
  private static final String ADMIN_SECRET = "cockpit-it-admin-secret";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  // Helpers in the page: set a field as typing would (input + change events), click, read text.
  private static final String HELPERS = """
      window.confirm = () => true; // the person clicks OK on every "are you sure?"
      window.t = {
        q(sel) { const e = document.querySelector(sel); if (!e) throw new Error('no element ' + sel); return e; },
        fill(sel, value) { const e = t.q(sel); e.focus(); e.value = value;
          e.dispatchEvent(new Event('input', { bubbles: true })); e.dispatchEvent(new Event('change', { bubbles: true })); return true; },
        click(sel) { t.q(sel).click(); return true; },
        submit(sel) { t.q(sel).requestSubmit(); return true; },
        text(sel) { const e = document.querySelector(sel); return e ? e.textContent : null; },
        has(sel) { return document.querySelector(sel) !== null; },
        // Form controls without an accessible name (no <label for>, no wrapping label, no aria-label).
        unlabelled() { return [...document.querySelectorAll('input, select, textarea')].filter(e =>
          !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.closest('label') && !e.getAttribute('aria-label'))
          .map(e => e.outerHTML); },
        selectByText(sel, text) { const s = t.q(sel); const o = [...s.options].find(o => o.textContent === text);
          if (!o) return false; s.value = o.value; s.dispatchEvent(new Event('change', { bubbles: true })); return true; },
      }; true""";

  private ServiceManagerLauncher.Running server;
  private FakeBroker broker;
  private HeadlessChromium browser;
  private String url;

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {browser, server, broker}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void anAdministratorDoesTheWholeTourThroughThePage() throws Exception {
    Optional<Path> chromium = HeadlessChromium.find();
    Assumptions.assumeTrue(chromium.isPresent(),
        "No Chromium on the PATH (chromium, chromium-browser, google-chrome): the Cockpit browser test cannot run here."
            + " Install Debian's chromium package to run it.");
    broker = FakeBroker.start();
    // Asynchronous provisioning that needs two polls: the page has an operation in progress to watch.
    broker.on(Route.PROVISION, Responder.async("provision-1"));
    broker.pollsBeforeSuccess(Route.INSTANCE_LAST_OPERATION, 2);
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", TestDatabases.newDatabase());
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("micronaut.server.port", -1);
    props.put("micronaut.server.host", "127.0.0.1");
    props.put("sm.encryption-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    props.put("sm.admin.client-secret", ADMIN_SECRET);
    props.put("sm.operations.polling-interval", "300ms");
    props.put("sm.operations.dispatch-interval", "100ms");
    server = ServiceManagerLauncher.start(props);
    String u = server.context().getBean(EmbeddedServer.class).getURL().toString();
    url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    browser = new HeadlessChromium(chromium.get());

    // The static files are public; the APIs behind them are not.
    assertThat(status("/cockpit/")).isEqualTo(200);
    assertThat(status("/cockpit/app.js")).isEqualTo(200);
    assertThat(status("/cockpit/nothing.js")).isEqualTo(404);
    assertThat(status("/v1/service_brokers")).isEqualTo(401);

    browser.navigate(url + "/cockpit/");
    until(() -> "complete".equals(js("document.readyState")) && (Boolean) js("document.getElementById('signin-client') !== null"));
    js(HELPERS);
    // First paint of the sign-in page on localhost (issue 16: under 1 s).
    Number firstPaint = (Number) js("performance.getEntriesByName('first-contentful-paint')[0].startTime");
    assertThat(firstPaint.doubleValue()).isLessThan(1000);
    shot("sign-in");

    // A wrong secret: the issuer's answer, as it words it.
    js("t.fill('#signin-client input[name=client_secret]', 'wrong'); t.submit('#signin-client')");
    until(() -> text(".signin .error") != null);
    assertThat(text(".signin .error")).contains("invalid_client").contains("401");
    assertThat((String) js("sessionStorage.getItem('cockpit.session')")).isNull();

    js("t.fill('#signin-client input[name=client_secret]', '" + ADMIN_SECRET + "'); t.submit('#signin-client')");
    until(() -> "UP".equals(text("#health-status")));
    // Only the token is kept, in session storage; the secret is nowhere.
    String stored = (String) js("sessionStorage.getItem('cockpit.session')");
    assertThat(stored).contains("\"token\"").doesNotContain(ADMIN_SECRET);
    assertThat((String) js("JSON.stringify(localStorage)")).doesNotContain(ADMIN_SECRET);
    until(() -> "1".equals(text("[data-count=platforms] .n")));
    until(() -> "0".equals(text("[data-count=agents] .n")));

    // Brokers: a catalog that cannot be fetched is reported inline, then the fake broker is registered.
    go("brokers", "#register-broker");
    fillBroker("unreachable", "http://127.0.0.1:1", "u", "p");
    until(() -> text("#register-broker .error") != null);
    assertThat(text("#register-broker .error")).contains("BrokerError");
    fillBroker("fake", broker.url(), broker.username(), broker.password());
    until(() -> has("tr[data-broker=fake]"));
    js("t.click('tr[data-broker=fake] button')"); // refresh = PATCH {}
    until(() -> text("#broker-result") != null && text("#broker-result").contains("no offering or plan changed"));
    js("t.click('tr[data-broker=fake] button[aria-label^=\"Edit labels\"]')");
    until(() -> has("#broker-result input[name=key]"));
    js("t.fill('#broker-result input[name=key]', 'env'); t.fill('#broker-result input[name=values]', 'dev,test'); t.submit('#broker-result form')");
    until(() -> text("tr[data-broker=fake]").contains("env=dev,test"));
    shot("brokers");

    // Marketplace: an invalid query comes back as the API words it; then the plans and a visibility.
    go("marketplace", "#filters");
    js("t.fill('#offering-fq', 'name eq'); t.submit('#filters')");
    until(() -> text("#offerings .error") != null);
    assertThat(text("#offerings .error")).contains("InvalidFieldQuery");
    js("t.fill('#offering-fq', \"name eq 'fake-service'\"); t.submit('#filters')");
    until(() -> has("tr[data-offering=fake-service]"));
    js("t.click('tr[data-offering=fake-service] button')");
    until(() -> text("#plans h2") != null && text("#plans h2").contains("Plans of fake-service") && has("tr[data-plan=small]"));
    assertThat(has("tr[data-plan=large]")).isTrue();
    js("t.click('tr[data-plan=small] button')");
    until(() -> has("#visibility-platform"));
    js("t.q('#visibility-platform').value = 'service-manager'; t.click('#add-visibility')");
    until(() -> text("#visibility td[data-field=target]") != null && text("#visibility td[data-field=target]").startsWith("service-manager"));
    shot("marketplace");

    // Platforms: credentials shown once.
    go("platforms", "#register-platform");
    js("t.fill('#platform-name', 'k8s-eu'); t.fill('#platform-type', 'kubernetes'); t.submit('#register-platform')");
    until(() -> has("#platform-credentials #pc-password"));
    assertThat(text("#platform-credentials")).contains("Shown only now");
    until(() -> has("tr[data-platform=k8s-eu]"));
    assertThat(text("tr[data-platform=k8s-eu]")).as("no agent has connected yet").contains("never connected");
    String firstPassword = text("#pc-password");
    js("t.click('#platform-credentials .buttons button')");
    until(() -> !has("#platform-credentials"));
    js("t.click('tr[data-platform=k8s-eu] button[aria-label^=Regenerate]')");
    until(() -> has("#platform-credentials #pc-password") && !firstPassword.equals(text("#pc-password")));
    shot("platforms");

    // Instances: the form comes from the plan's schema; the operation is watched until it succeeds.
    go("instances", "#create-instance");
    until(() -> (Boolean) js("t.selectByText('#instance-plan', 'fake-service / small')"));
    until(() -> has("#instance-parameters input[name=size]"));
    js("t.fill('#instance-name', 'orders-db'); t.fill('#instance-parameters input[name=size]', 'tiny'); t.submit('#create-instance')");
    until(() -> has("#operation-state"));
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "succeeded".equals(text("#operation-state")));
    assertThat(broker.instances()).hasSize(1);
    assertThat(broker.requests(Route.PROVISION).get(0).body()).contains("\"size\":\"tiny\"");
    until(() -> text("tr[data-instance=orders-db] td[data-field=state]") != null
        && text("tr[data-instance=orders-db] td[data-field=state]").equals("create succeeded"));

    // Bind, and reveal the credentials only on demand.
    js("t.click('tr[data-instance=orders-db] button')");
    until(() -> has("#bind-form"));
    js("t.fill('#binding-name', 'orders-app'); t.submit('#bind-form')");
    until(() -> has("tr[data-binding=orders-app]"));
    until(() -> "succeeded".equals(text("#instance-detail #operation-state")));
    assertThat(has("pre.credentials")).isFalse();
    until(() -> {
      js("t.click('tr[data-binding=orders-app] td[data-field=credentials] button')");
      return true;
    });
    until(() -> text("pre.credentials") != null);
    assertThat(text("pre.credentials")).contains("\"username\": \"u-").contains("fake://");
    shot("instances");
    // A second instance, deleted with its binding (cascade).
    js("t.fill('#instance-name', 'scratch'); t.selectByText('#instance-plan', 'fake-service / small'); t.submit('#create-instance')");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> "create succeeded".equals(text("tr[data-instance=scratch] td[data-field=state]")));
    js("t.click('tr[data-instance=scratch] button')");
    until(() -> has("#bind-form") && text("#bindings-h").contains("scratch"));
    js("t.fill('#binding-name', 'scratch-app'); t.submit('#bind-form')");
    until(() -> "succeeded".equals(text("#instance-detail #operation-state")));
    js("t.click('tr[data-instance=scratch] button.danger')");
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> !has("tr[data-instance=scratch]"));
    assertThat(broker.instances()).hasSize(1);
    assertThat(broker.bindings()).hasSize(1);

    // Compass: a scenario, an application and a runtime, both put into it with the pickers.
    go("compass", "#register-app");
    until(() -> text("#scenarios") != null && text("#scenarios").contains("DEFAULT"));
    js("t.fill('#scenario-name', 'PROD'); t.submit('#scenarios form')");
    until(() -> text("#scenarios p") != null && text("#scenarios p").contains("PROD"));
    js("t.fill('#app-name', 'orders'); t.fill('#app-provider', 'ACME'); t.submit('#register-app')");
    until(() -> has("tr[data-application=orders]"));
    js("t.fill('#runtime-name', 'eu-cluster'); t.submit('#register-runtime')");
    until(() -> has("tr[data-runtime=eu-cluster]"));
    assign("tr[data-application=orders]");
    until(() -> text("tr[data-application=orders] td[data-field=scenarios]").contains("PROD"));
    assign("tr[data-runtime=eu-cluster]");
    until(() -> text("tr[data-runtime=eu-cluster] td[data-field=scenarios]").contains("PROD"));
    // The server agrees: the application is now one of the runtime's.
    String runtimeId = director("{ runtimes { data { id name } } }").replaceAll("(?s).*\"id\":\"([^\"]+)\",\"name\":\"eu-cluster\".*", "$1");
    assertThat(director("{ applicationsForRuntime(runtimeID: \\\"" + runtimeId + "\\\") { data { name } } }")).contains("\"orders\"");
    // A one-time token, with its countdown.
    js("t.click('tr[data-application=orders] button[aria-label^=\"One-time\"]')");
    until(() -> text("#token-countdown") != null && text("#token-countdown").startsWith("expires in"));
    shot("compass");

    go("overview", "#counts");
    until(() -> "1".equals(text("[data-count=service_instances] .n")) && text("#page-overview table") != null
        && text("#page-overview table").contains("succeeded"));
    shot("overview");

    // Signing out drops the token.
    js("t.click('#signout')");
    until(() -> has("#signin-client"));
    assertThat((String) js("sessionStorage.getItem('cockpit.session')")).isNull();

    // A pasted bearer token is checked against the API first: a bad one gets the API's 401.
    js("t.fill('#bearer-token', 'not-a-token'); t.submit('#signin-token')");
    until(() -> text(".signin .error") != null && text(".signin .error").contains("Unauthorized"));
    js("t.fill('#bearer-token', 'Bearer " + adminToken() + "'); t.submit('#signin-token')");
    until(() -> "UP".equals(text("#health-status")));
    // Expiry: a session whose token is about to expire ends by itself, and says why.
    js("(() => { const s = JSON.parse(sessionStorage.getItem('cockpit.session')); s.expiresAt = Date.now() + 1500;"
        + " sessionStorage.setItem('cockpit.session', JSON.stringify(s)); location.reload(); return true; })()");
    until(() -> "complete".equals(js("document.readyState")) && (Boolean) js(HELPERS));
    until(() -> text(".signin .notice") != null && text(".signin .notice").contains("expired"));
    assertThat((String) js("sessionStorage.getItem('cockpit.session')")).isNull();
  }

  @Test
  void theConsoleAddsOnlyItsTwoStaticRoutesAndNoApiRoute() throws Exception {
    // Static files, not API routes: so they are not in openapi/service-manager.yaml.
    Map<String, Object> props = new HashMap<>();
    props.put("datasources.default.url", TestDatabases.newDatabase());
    props.put("datasources.default.username", "postgres");
    props.put("datasources.default.password", "");
    props.put("micronaut.server.port", -1);
    props.put("sm.encryption-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
    props.put("sm.admin.client-secret", ADMIN_SECRET);
    props.put("compass.enabled", "false");
    server = ServiceManagerLauncher.start(props);
    java.util.Set<String> routes = server.context().getBean(io.micronaut.web.router.Router.class).uriRoutes()
        .filter(r -> r.getUriMatchTemplate().toPathString().startsWith("/cockpit"))
        .map(r -> r.getHttpMethodName() + " " + r.getUriMatchTemplate().toPathString())
        .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    String files = "/cockpit/{file:" + CockpitController.FILE_PATTERN + "}";
    assertThat(routes).containsExactly("GET /cockpit", "GET " + files, "HEAD /cockpit", "HEAD " + files);
  }

  private void fillBroker(String name, String brokerUrl, String user, String password) throws Exception {
    js("t.fill('#broker-name', '" + name + "'); t.fill('#broker-url', '" + brokerUrl + "'); t.fill('#broker-user', '" + user
        + "'); t.fill('#broker-password', '" + password + "'); t.q('#register-broker .error-slot').replaceChildren(); t.submit('#register-broker')");
  }

  private void assign(String row) throws Exception {
    js("(() => { const s = t.q('" + row + " select'); [...s.options].forEach(o => o.selected = o.value === 'PROD'); "
        + "t.click('" + row + " button[aria-label^=\"Save scenarios\"]'); return true; })()");
  }

  private void go(String pageName, String readySelector) throws Exception {
    js("location.hash = '#/" + pageName + "'");
    until(() -> has("#page-" + pageName + " " + readySelector) || has(readySelector));
  }

  private Object js(String expression) throws Exception {
    return browser.evaluate(expression);
  }

  private String text(String selector) throws Exception {
    return (String) js("t.text(" + quote(selector) + ")");
  }

  private boolean has(String selector) throws Exception {
    return Boolean.TRUE.equals(js("t.has(" + quote(selector) + ")"));
  }

  private static String quote(String s) {
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }

  private void until(Callable<Boolean> condition) {
    try {
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String page;
      try {
        page = (String) js("document.getElementById('main').innerText");
      } catch (Exception inner) {
        page = "(unreadable: " + inner + ")";
      }
      throw new AssertionError("Timed out. Page text:\n" + page + "\nBrowser log:\n" + String.join("\n", browser.log()), e);
    }
  }

  /** Every page: each form control has an accessible name; with -Dcockpit.screenshots, a PNG of it. */
  private void shot(String name) throws Exception {
    assertThat((java.util.List<?>) js("t.unlabelled()")).as("unlabelled controls on " + name).isEmpty();
    String dir = System.getProperty("cockpit.screenshots", "");
    if (dir.isBlank() || dir.startsWith("${")) {
      return;
    }
    Path target = Path.of(dir);
    Files.createDirectories(target);
    Files.write(target.resolve(name + ".png"), browser.screenshot());
  }

  private int status(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private String adminToken() throws Exception {
    String basic = Base64.getEncoder().encodeToString(("admin:" + ADMIN_SECRET).getBytes(StandardCharsets.UTF_8));
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/oauth/token")).header("Authorization", "Basic " + basic)
            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials")).build(),
        HttpResponse.BodyHandlers.ofString()).body().replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");
  }

  private String director(String query) throws Exception {
    String token = adminToken();
    return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/compass/graphql")).header("Authorization", "Bearer " + token)
            .header("Tenant", "default").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"query\":\"" + query + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }
}
