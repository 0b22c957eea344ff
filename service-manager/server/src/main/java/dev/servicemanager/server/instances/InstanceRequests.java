package dev.servicemanager.server.instances;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.api.StrictBoolean;
import dev.servicemanager.server.api.StrictString;
import dev.servicemanager.server.registry.Ids;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/** Request bodies for instances and bindings. Unknown fields are refused. */
final class InstanceRequests {
  private InstanceRequests() {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record CreateInstance(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 100) String service_plan_id,
      // Peripli's smctl sends the plan's offering id too (Peripli's instance type has service_id).
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(max = 100) String service_id,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable String platform_id,
      @Serdeable.Deserializable(using = StrictBoolean.class) @Nullable Boolean shared,
      @Nullable Map<String, Object> parameters,
      @Nullable Map<String, Object> maintenance_info,
      @Nullable Map<String, List<String>> labels) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record PatchInstance(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 100) String service_plan_id,
      @Serdeable.Deserializable(using = StrictString.class) @Nullable String platform_id,
      @Serdeable.Deserializable(using = StrictBoolean.class) @Nullable Boolean shared,
      @Nullable Map<String, Object> parameters,
      @Nullable Map<String, Object> maintenance_info,
      @Nullable List<LabelChange> labels) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record CreateBinding(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 50) @Pattern(regexp = Ids.PATTERN, message = Ids.MESSAGE) String id,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 255) String name,
      @Serdeable.Deserializable(using = StrictString.class) @NotBlank @Size(max = 100) String service_instance_id,
      @Nullable Map<String, Object> parameters,
      @Nullable Map<String, Object> bind_resource,
      @Nullable Map<String, List<String>> labels) {}

  @Serdeable
  @JsonIgnoreProperties(ignoreUnknown = false)
  record PatchBinding(
      @Serdeable.Deserializable(using = StrictString.class) @Nullable @Size(min = 1, max = 255) String name,
      @Nullable List<LabelChange> labels) {}
}
