package dev.servicemanager.server.registry;

import static dev.servicemanager.server.support.Api.q;

import dev.servicemanager.testkit.FakeCatalog;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.List;

@MicronautTest(transactional = false)
class OfferingApiIT extends ResourceApiContract {
  @Override
  String path() {
    return "/v1/service_offerings";
  }

  @Override
  String nameField() {
    return "name";
  }

  @Override
  List<String> seed(int n) {
    broker.catalog(FakeCatalog.generate(n, 1));
    String brokerId = (String) registerBroker("offerings").get("id");
    return admin().get(path() + "?fieldQuery=" + q("broker_id eq '" + brokerId + "'")).ids();
  }
}
