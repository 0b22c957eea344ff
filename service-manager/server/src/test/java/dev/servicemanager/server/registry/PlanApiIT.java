package dev.servicemanager.server.registry;

import dev.servicemanager.testkit.FakeCatalog;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;

@MicronautTest(transactional = false)
class PlanApiIT extends ResourceApiContract {
  @Override
  String path() {
    return "/v1/service_plans";
  }

  @Override
  String nameField() {
    return "name";
  }

  @Override
  List<String> seed(int n) {
    broker.catalog(FakeCatalog.generate(1, n));
    return planIds((String) registerBroker("plans").get("id"));
  }
}
