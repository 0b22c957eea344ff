package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
import dev.servicemanager.server.api.StrictString;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/** Request bodies for brokers; unknown fields are refused. */
final class BrokerRequests {
  private BrokerRequests() {}

  @Serdeable
  @JsonIgnoreProperties(value = {"created_at", "updated_at", "ready"}, ignoreUnknown = false)
  record Create(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 4096) String description,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 2048) String broker_url,
      @NotNull @Valid Credentials credentials,
      @Nullable Map<String, List<String>> labels) {}

  @Serdeable
  @JsonIgnoreProperties(value = {"id", "created_at", "updated_at", "ready"}, ignoreUnknown = false)
  record Patch(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 4096) String description,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 2048) String broker_url,
      @Nullable @Valid Credentials credentials,
      @Nullable List<LabelChange> labels) {}

  /** {@code {"basic": {...}}}; TLS client certificates are not supported yet. */
  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record Credentials(@Nullable @Valid Basic basic, @Nullable Object tls) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record Basic(@NotBlank @Size(max = 255) String username, @NotBlank @Size(max = 4096) String password) {
    @Override
    public String toString() {
      return "Basic[username=" + username + ", password=***]";
    }
  }
}
