package dev.servicemanager.proxy.core;

/** What a platform broker should look like: name, the SM OSB URL and the basic credentials to call it with. */
public record BrokerRegistration(String smBrokerId, String name, String url, String username, String password) {
  @Override
  public String toString() {
    return "BrokerRegistration[smBrokerId=" + smBrokerId + ", name=" + name + ", url=" + url + "]";
  }
}
