package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
import dev.servicemanager.server.api.StrictBoolean;
import dev.servicemanager.server.api.StrictString;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/** Request bodies for platforms. Unknown fields are refused, so a typo is not silently ignored. */
final class PlatformRequests {
  private PlatformRequests() {}

  @Serdeable
  @JsonIgnoreProperties(
      value = {"created_at", "updated_at", "ready", "credentials"},
      ignoreUnknown = false)
  record Create(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 255) String type,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 4096) String description,
      @Serdeable.Deserializable(using = StrictBoolean.class) @Nullable Boolean suspended,
      @Nullable Map<String, List<String>> labels) {}

  @Serdeable
  @JsonIgnoreProperties(
      value = {"id", "created_at", "updated_at", "ready", "credentials"},
      ignoreUnknown = false)
  record Patch(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 255) String type,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 4096) String description,
      @Serdeable.Deserializable(using = StrictBoolean.class) @Nullable Boolean suspended,
      @Nullable List<LabelChange> labels) {}
}
