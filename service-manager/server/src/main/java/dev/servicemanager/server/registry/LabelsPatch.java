package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.servicemanager.server.store.LabelChange;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** The only PATCH offerings and plans accept: their fields come from the broker's catalog. */
@Serdeable
@JsonIgnoreProperties(ignoreUnknown = false)
record LabelsPatch(@Nullable List<LabelChange> labels) {}
