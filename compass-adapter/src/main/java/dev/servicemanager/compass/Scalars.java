package dev.servicemanager.compass;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.ArrayValue;
import graphql.language.BooleanValue;
import graphql.language.EnumValue;
import graphql.language.FloatValue;
import graphql.language.IntValue;
import graphql.language.NullValue;
import graphql.language.ObjectField;
import graphql.language.ObjectValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.language.VariableReference;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The custom scalars of Compass's schema: JSON-valued ones, string-valued ones and Timestamp. */
public final class Scalars {
  private Scalars() {}

  public static final GraphQLScalarType ANY = json("Any", "any JSON value", Kind.ANY);
  public static final GraphQLScalarType LABELS = json("Labels", "a JSON object of label key to value", Kind.OBJECT);
  public static final GraphQLScalarType HTTP_HEADERS =
      json("HttpHeaders", "a JSON object of header name to a list of values", Kind.STRING_LISTS);
  public static final GraphQLScalarType QUERY_PARAMS =
      json("QueryParams", "a JSON object of parameter name to a list of values", Kind.STRING_LISTS);
  public static final GraphQLScalarType JSON_SCHEMA = string("JSONSchema", "a JSON Schema as a string");
  public static final GraphQLScalarType JSON = string("JSON", "a JSON value serialized as a string");
  public static final GraphQLScalarType CLOB = string("CLOB", "a large text");
  public static final GraphQLScalarType PAGE_CURSOR = string("PageCursor", "an opaque paging cursor");
  public static final GraphQLScalarType TIMESTAMP =
      GraphQLScalarType.newScalar()
          .name("Timestamp")
          .description("an RFC 3339 time")
          .coercing(
              new Coercing<Object, String>() {
                @Override
                public String serialize(Object value, GraphQLContext context, Locale locale) {
                  if (value instanceof Instant instant) {
                    return instant.toString();
                  }
                  throw new CoercingSerializeException("not a timestamp");
                }

                @Override
                public Object parseValue(Object input, GraphQLContext context, Locale locale) {
                  return parseInstant(String.valueOf(input));
                }

                @Override
                public Object parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
                  if (input instanceof StringValue s) {
                    return parseInstant(s.getValue());
                  }
                  throw new CoercingParseLiteralException("a Timestamp must be a string");
                }
              })
          .build();

  private static Instant parseInstant(String text) {
    try {
      return Instant.parse(text);
    } catch (RuntimeException e) {
      throw new CoercingParseValueException("not an RFC 3339 timestamp: " + text);
    }
  }

  private enum Kind {
    ANY,
    OBJECT,
    STRING_LISTS
  }

  private static GraphQLScalarType string(String name, String description) {
    return GraphQLScalarType.newScalar()
        .name(name)
        .description(description)
        .coercing(
            new Coercing<Object, String>() {
              @Override
              public String serialize(Object value, GraphQLContext context, Locale locale) {
                return value.toString();
              }

              @Override
              public Object parseValue(Object input, GraphQLContext context, Locale locale) {
                if (input instanceof String s) {
                  return s;
                }
                throw new CoercingParseValueException(name + " must be a string");
              }

              @Override
              public Object parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
                if (input instanceof StringValue s) {
                  return s.getValue();
                }
                throw new CoercingParseLiteralException(name + " must be a string");
              }
            })
        .build();
  }

  private static GraphQLScalarType json(String name, String description, Kind kind) {
    return GraphQLScalarType.newScalar()
        .name(name)
        .description(description)
        .coercing(
            new Coercing<Object, Object>() {
              @Override
              public Object serialize(Object value, GraphQLContext context, Locale locale) {
                return value;
              }

              @Override
              public Object parseValue(Object input, GraphQLContext context, Locale locale) {
                return check(name, kind, input, CoercingParseValueException::new);
              }

              @Override
              public Object parseLiteral(Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
                return check(name, kind, literal(input, variables), CoercingParseLiteralException::new);
              }
            })
        .build();
  }

  private static Object check(
      String name, Kind kind, Object value, java.util.function.Function<String, RuntimeException> error) {
    switch (kind) {
      case OBJECT -> {
        if (!(value instanceof Map)) {
          throw error.apply(name + " must be a JSON object");
        }
      }
      case STRING_LISTS -> {
        if (!(value instanceof Map<?, ?> map)) {
          throw error.apply(name + " must be a JSON object");
        }
        for (Object values : map.values()) {
          if (!(values instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw error.apply(name + " values must be lists of strings");
          }
        }
      }
      default -> {}
    }
    return value;
  }

  static Object literal(Value<?> value, CoercedVariables variables) {
    if (value instanceof StringValue s) {
      return s.getValue();
    } else if (value instanceof IntValue i) {
      return i.getValue().longValueExact();
    } else if (value instanceof FloatValue f) {
      return f.getValue().doubleValue();
    } else if (value instanceof BooleanValue b) {
      return b.isValue();
    } else if (value instanceof EnumValue e) {
      return e.getName();
    } else if (value instanceof NullValue) {
      return null;
    } else if (value instanceof VariableReference v) {
      return variables.get(v.getName());
    } else if (value instanceof ArrayValue a) {
      List<Object> list = new ArrayList<>();
      for (Value<?> item : a.getValues()) {
        list.add(literal(item, variables));
      }
      return list;
    } else if (value instanceof ObjectValue o) {
      Map<String, Object> map = new LinkedHashMap<>();
      for (ObjectField field : o.getObjectFields()) {
        map.put(field.getName(), literal(field.getValue(), variables));
      }
      return map;
    }
    throw new CoercingParseLiteralException("unsupported literal");
  }
}
