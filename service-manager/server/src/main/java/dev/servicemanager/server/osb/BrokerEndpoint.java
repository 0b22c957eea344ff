package dev.servicemanager.server.osb;

/** Where and how to reach a broker. The password never appears in {@link #toString()}. */
public record BrokerEndpoint(String name, String url, String username, String password) {
  @Override
  public String toString() {
    return "BrokerEndpoint[name=" + name + ", url=" + url + ", username=" + username + ", password=***]";
  }
}
