package dev.servicemanager.server.registry;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.util.ArrayList;
import java.util.List;

@MicronautTest(transactional = false)
class BrokerApiIT extends ResourceApiContract {
  @Override
  String path() {
    return "/v1/service_brokers";
  }

  @Override
  String nameField() {
    return "name";
  }

  @Override
  List<String> seed(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add((String) registerBroker("broker-" + i + "-x").get("id"));
    }
    return ids;
  }
}
