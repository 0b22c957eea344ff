package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
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
      @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @NotBlank @Size(max = 255) String name,
      @NotBlank @Size(max = 255) String type,
      @Nullable @Size(max = 4096) String description,
      @Nullable Boolean suspended,
      @Nullable Map<String, List<String>> labels) {}

  @Serdeable
  @JsonIgnoreProperties(
      value = {"id", "created_at", "updated_at", "ready", "credentials"},
      ignoreUnknown = false)
  record Patch(
      @Nullable @Size(min = 1, max = 255) String name,
      @Nullable @Size(min = 1, max = 255) String type,
      @Nullable @Size(max = 4096) String description,
      @Nullable Boolean suspended,
      @Nullable List<LabelChange> labels) {}
}
