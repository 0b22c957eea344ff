package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
import dev.servicemanager.server.api.StrictString;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

final class VisibilityRequests {
  private VisibilityRequests() {}

  @Serdeable
  @JsonIgnoreProperties(value = {"created_at", "updated_at", "ready"}, ignoreUnknown = false)
  record Create(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 100) String platform_id,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 100) String service_plan_id,
      @Nullable Map<String, List<String>> labels) {}

  /** An empty string for {@code platform_id} makes the visibility public. */
  @Serdeable
  @JsonIgnoreProperties(value = {"id", "created_at", "updated_at", "ready"}, ignoreUnknown = false)
  record Patch(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 100) String platform_id,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 100) String service_plan_id,
      @Nullable List<LabelChange> labels) {}
}
