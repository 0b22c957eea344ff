package dev.servicemanager.server.query;

import static dev.servicemanager.server.query.FieldType.BOOLEAN;
import static dev.servicemanager.server.query.FieldType.DATETIME;
import static dev.servicemanager.server.query.FieldType.INTEGER;
import static dev.servicemanager.server.query.FieldType.JSON;
import static dev.servicemanager.server.query.FieldType.STRING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.spi.ApiException;
import java.util.Map;
import java.util.function.Consumer;

/** A resource shaped like the ones the query language is used on, shared by the tests. */
final class Fields {
  static final Map<String, QueryField> ALL =
      Map.of(
          "id", new QueryField("id", "t.id", STRING, false),
          "name", new QueryField("name", "t.name", STRING, false),
          "description", new QueryField("description", "t.description", STRING, true),
          "ready", new QueryField("ready", "t.ready", BOOLEAN, false),
          "max_items", new QueryField("max_items", "t.max_items", INTEGER, true),
          "created_at", new QueryField("created_at", "t.created_at", DATETIME, false),
          "context", new QueryField("context", "t.context", JSON, true));

  private Fields() {}

  static SqlFragment fieldSql(String fieldQuery) {
    return ListQuery.of(fieldQuery, null, ALL).toSql("t.id", "labels");
  }

  static SqlFragment labelSql(String labelQuery) {
    return ListQuery.of(null, labelQuery, ALL).toSql("t.id", "labels");
  }

  static Consumer<ApiException> error(String code, String... descriptionParts) {
    return e -> {
      assertThat(e.status().getCode()).isEqualTo(400);
      assertThat(e.error()).isEqualTo(code);
      for (String part : descriptionParts) {
        assertThat(e.description()).contains(part);
      }
    };
  }
}
